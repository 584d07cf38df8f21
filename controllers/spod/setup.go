package spod

import (
	"context"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/securityprofiles/operator/apis/keys"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/internal/webhookconfig"
)

// CacheOptions limit the manager's cache of the kinds this controller
// owns to the operator's namespace (and the one webhook configuration),
// so a cluster with many DaemonSets, Deployments, Services and Secrets
// does not fill the manager's memory, and the manager needs to read
// Secrets in its own namespace only.
func CacheOptions(namespace string) map[client.Object]cache.ByObject {
	own := map[string]cache.Config{namespace: {}}
	return map[client.Object]cache.ByObject{
		&appsv1.DaemonSet{}:                            {Namespaces: own},
		&appsv1.Deployment{}:                           {Namespaces: own},
		&corev1.Service{}:                              {Namespaces: own},
		&corev1.Secret{}:                               {Namespaces: own},
		&policyv1.PodDisruptionBudget{}:                {Namespaces: own},
		&spodv1alpha1.SecurityProfilesOperatorDaemon{}: {Namespaces: own},
		&admissionregistrationv1.MutatingWebhookConfiguration{}: {
			Field: fields.OneTermEqualSelector("metadata.name", webhookconfig.Name),
		},
	}
}

// SetupWithManager registers the controller and creates the default spod
// once the manager starts (after winning the leader election).
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	if err := mgr.Add(manager.RunnableFunc(r.EnsureDefault)); err != nil {
		return err
	}
	isSpod := predicate.NewPredicateFuncs(func(o client.Object) bool {
		return o.GetNamespace() == r.Config.Namespace && o.GetName() == spodv1alpha1.Name
	})
	isWebhookConfig := predicate.NewPredicateFuncs(func(o client.Object) bool {
		return o.GetName() == webhookconfig.Name
	})
	isOptionalCRD := predicate.NewPredicateFuncs(func(o client.Object) bool {
		return o.GetName() == ServiceMonitorCRD || o.GetName() == CertificateCRD
	})
	// A ClusterRole that may own the webhook configuration appeared, went
	// or was recreated with a new UID.
	isOwnerCandidate := predicate.NewPredicateFuncs(func(o client.Object) bool {
		m := metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: o.GetName(), Labels: o.GetLabels()}}
		return WebhookOwner([]metav1.PartialObjectMetadata{m}, r.Config.Namespace) != nil
	})
	// The serving certificate Secrets, the manager's own and the
	// installer's (which name no owner): writing, rotating or deleting
	// one is a reason to check them all.
	isCertSecret := predicate.NewPredicateFuncs(func(o client.Object) bool {
		return o.GetNamespace() == r.Config.Namespace &&
			(o.GetName() == CASecret || o.GetName() == WebhookCertSecret || o.GetName() == MetricsCertSecret)
	})
	return ctrl.NewControllerManagedBy(mgr).
		Named("spod").
		For(&spodv1alpha1.SecurityProfilesOperatorDaemon{}, builder.WithPredicates(isSpod)).
		Owns(&appsv1.DaemonSet{}).
		Owns(&appsv1.Deployment{}).
		Owns(&corev1.Service{}).
		Owns(&policyv1.PodDisruptionBudget{}).
		Watches(&admissionregistrationv1.MutatingWebhookConfiguration{},
			handler.EnqueueRequestsFromMapFunc(r.defaultRequest), builder.WithPredicates(isWebhookConfig)).
		Watches(newClusterRoleMetadata(), handler.EnqueueRequestsFromMapFunc(r.defaultRequest),
			builder.WithPredicates(isOwnerCandidate), builder.OnlyMetadata).
		Watches(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.defaultRequest), builder.WithPredicates(isCertSecret)).
		// A node labelled with another kubelet root needs its DaemonSet.
		Watches(&corev1.Node{}, handler.EnqueueRequestsFromMapFunc(r.defaultRequest),
			builder.WithPredicates(kubeletRootChanged())).
		// Installing prometheus-operator or cert-manager later adds the
		// ServiceMonitor or the certificates.
		Watches(newCRDMetadata(), handler.EnqueueRequestsFromMapFunc(r.defaultRequest),
			builder.WithPredicates(isOptionalCRD), builder.OnlyMetadata).
		Complete(r)
}

// kubeletRootChanged passes node events that can change the set of
// labelled kubelet roots.
func kubeletRootChanged() predicate.Funcs {
	labelled := func(o client.Object) bool {
		_, ok := o.GetLabels()[keys.NodeDirectoryLocationLabel]
		return ok
	}
	return predicate.Funcs{
		CreateFunc:  func(e event.CreateEvent) bool { return labelled(e.Object) },
		DeleteFunc:  func(e event.DeleteEvent) bool { return labelled(e.Object) },
		GenericFunc: func(event.GenericEvent) bool { return false },
		UpdateFunc: func(e event.UpdateEvent) bool {
			return e.ObjectOld.GetLabels()[keys.NodeDirectoryLocationLabel] != e.ObjectNew.GetLabels()[keys.NodeDirectoryLocationLabel] ||
				labelled(e.ObjectOld) != labelled(e.ObjectNew)
		},
	}
}

// defaultRequest maps any event to the one spod: the webhook configuration
// and its owner are cluster-scoped and cannot name spod as their owner.
func (r *Reconciler) defaultRequest(context.Context, client.Object) []reconcile.Request {
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: r.Config.Namespace, Name: spodv1alpha1.Name}}}
}
