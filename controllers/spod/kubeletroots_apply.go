package spod

import (
	"context"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
)

// ReasonInvalidKubeletRoot is the Warning Event on spod for nodes whose
// directory-location label names no usable directory.
const ReasonInvalidKubeletRoot = "InvalidKubeletRoot"

// +kubebuilder:rbac:groups="",resources=nodes,verbs=get;list;watch

// kubeletRoots lists the kubelet roots nodes are labelled with, and warns
// on spod about labels that name none.
func (r *Reconciler) kubeletRoots(ctx context.Context, spod *spodv1alpha1.SecurityProfilesOperatorDaemon) ([]KubeletRoot, error) {
	nodes := &corev1.NodeList{}
	if err := r.Client.List(ctx, nodes); err != nil {
		return nil, fmt.Errorf("list nodes for their kubelet roots: %w", err)
	}
	roots, invalid := KubeletRoots(nodes.Items)
	if len(invalid) > 0 && r.Events != nil {
		r.Events.Eventf(spod, nil, corev1.EventTypeWarning, ReasonInvalidKubeletRoot, "Deploy",
			"Nodes are labelled kubelet.kubernetes.io/directory-location=%s, which names no directory (dash-separated plain names): their daemons cannot start",
			strings.Join(invalid, ","))
	}
	return roots, nil
}

// deleteUnusedRootDaemonSets deletes the DaemonSets of kubelet roots no
// node is labelled with any more.
func (r *Reconciler) deleteUnusedRootDaemonSets(ctx context.Context, wanted []*appsv1.DaemonSet) error {
	list := &appsv1.DaemonSetList{}
	if err := r.Client.List(ctx, list, client.InNamespace(r.Config.Namespace), client.HasLabels{KubeletRootLabel}); err != nil {
		return fmt.Errorf("list kubelet root DaemonSets: %w", err)
	}
	keep := map[string]bool{}
	for _, ds := range wanted {
		keep[ds.Name] = true
	}
	for i := range list.Items {
		ds := &list.Items[i]
		if keep[ds.Name] || !strings.HasPrefix(ds.Name, DaemonSetName+"-") {
			continue
		}
		if err := r.Client.Delete(ctx, ds, client.Preconditions{UID: &ds.UID}); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete DaemonSet %s: %w", ds.Name, err)
		}
		ctrl.LoggerFrom(ctx).Info("Deleted the DaemonSet of a kubelet root no node uses any more", "daemonSet", ds.Name)
	}
	return nil
}
