package spod

import (
	"context"
	"fmt"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// The ClusterRoles the install manifests (deploy/operator.yaml,
// deploy/namespace-operator.yaml, kustomize, Helm) create for the manager.
// Uninstalling deletes them, and with them, through the garbage collector,
// the webhook configuration they own.
const (
	ManagerClusterRole = "spo-manager"
	// ManagerClusterScopeRole exists in namespace-restricted installs only;
	// there it, not ManagerClusterRole, grants the webhook configuration
	// writes.
	ManagerClusterScopeRole = "spo-manager-cluster-scope"
)

// OLM gives the RBAC it creates from a CSV's clusterPermissions generated
// names and these owner labels, and deletes every ClusterRole so labelled
// when the CSV goes. Roles shipped as separate bundle manifests get only
// olm.owner and outlive the CSV (operator-lifecycle-manager#2985), so they
// cannot own anything.
const (
	olmOwnerLabel          = "olm.owner"
	olmOwnerKindLabel      = "olm.owner.kind"
	olmOwnerNamespaceLabel = "olm.owner.namespace"
	// olmCSVPrefix starts the name of every CSV of this operator
	// (<package>.v<version>, see internal/bundle).
	olmCSVPrefix = "security-profiles-operator.v"
)

// WebhookOwner picks, from the cluster's ClusterRoles, the one that owns
// spo-mutating-webhook-configuration, or nil when no install created one
// (a bare API server, make run-local-processes without manifests).
//
// The owner is the role that lets the manager write the configuration:
// once an uninstall deletes it, the manager can no longer recreate the
// configuration it just lost to the garbage collector. A ClusterRole, not
// spod or its CRD: a cluster-scoped dependent may only have cluster-scoped
// owners, Helm and OLM keep CRDs on uninstall, and every path deletes the
// manager's RBAC. The UID is the live one: the collector deletes a
// dependent whose owner UID no longer exists.
func WebhookOwner(roles []metav1.PartialObjectMetadata, namespace string) *metav1.OwnerReference {
	byName := map[string]metav1.PartialObjectMetadata{}
	var olm []metav1.PartialObjectMetadata
	for _, r := range roles {
		byName[r.Name] = r
		l := r.Labels
		if l[olmOwnerKindLabel] == "ClusterServiceVersion" && l[olmOwnerNamespaceLabel] == namespace &&
			strings.HasPrefix(l[olmOwnerLabel], olmCSVPrefix) {
			olm = append(olm, r)
		}
	}
	for _, name := range []string{ManagerClusterScopeRole, ManagerClusterRole} {
		if r, ok := byName[name]; ok {
			return clusterRoleRef(r)
		}
	}
	if len(olm) == 0 {
		return nil
	}
	// OLM deletes all of the CSV's roles together; any one will do, the
	// same one every pass.
	r := slices.MinFunc(olm, func(a, b metav1.PartialObjectMetadata) int { return strings.Compare(a.Name, b.Name) })
	return clusterRoleRef(r)
}

// clusterRoleRef neither blocks the role's deletion (that needs update on
// clusterroles/finalizers) nor claims to be the configuration's controller.
func clusterRoleRef(r metav1.PartialObjectMetadata) *metav1.OwnerReference {
	return &metav1.OwnerReference{
		APIVersion: rbacv1.SchemeGroupVersion.String(),
		Kind:       "ClusterRole",
		Name:       r.Name,
		UID:        r.UID,
	}
}

// webhookOwner reads the ClusterRoles (metadata only, from the cache) and
// picks the webhook configuration's owner.
func (r *Reconciler) webhookOwner(ctx context.Context) (*metav1.OwnerReference, error) {
	list := &metav1.PartialObjectMetadataList{}
	list.SetGroupVersionKind(rbacv1.SchemeGroupVersion.WithKind("ClusterRoleList"))
	if err := r.Client.List(ctx, list); err != nil {
		return nil, fmt.Errorf("list ClusterRoles: %w", err)
	}
	owner := WebhookOwner(list.Items, r.Config.Namespace)
	if owner == nil {
		ctrl.LoggerFrom(ctx).Info("No manager ClusterRole found to own the webhook configuration; it will outlive an uninstall",
			"roles", []string{ManagerClusterScopeRole, ManagerClusterRole})
	}
	return owner, nil
}

// newClusterRoleMetadata is a ClusterRole read as metadata only, for the
// watch and cache options.
func newClusterRoleMetadata() client.Object {
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(rbacv1.SchemeGroupVersion.WithKind("ClusterRole"))
	return m
}
