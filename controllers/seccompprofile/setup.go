package seccompprofile

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	"github.com/securityprofiles/operator/internal/eventmapper"
	"github.com/securityprofiles/operator/internal/podprofiles"
	"github.com/securityprofiles/operator/internal/profilestate"
)

const (
	kind = "SeccompProfile"
	// controllerName names the controller in logs and metrics.
	controllerName = "seccompprofile"
	// podProfileIndex indexes pods by every operator profile they use, as
	// "<namespace>/<name>", through its own path or its audit copy's.
	podProfileIndex = "spo.seccompProfiles"
)

// SetupWithManager registers the indexes, the controller and its watches.
func (r *Reconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager) error {
	r.pacer = profilestate.NewPacer()
	if r.APIReader == nil {
		r.APIReader = mgr.GetAPIReader()
	}
	idx := mgr.GetFieldIndexer()
	if err := idx.IndexField(ctx, &corev1.Pod{}, podProfileIndex, func(o client.Object) []string {
		var keys []string
		for _, r := range profilesOfPod(ctx, o) {
			keys = append(keys, r.String())
		}
		return keys
	}); err != nil {
		return err
	}
	eventmapper.Track(controllerName)
	return ctrl.NewControllerManagedBy(mgr).
		Named(controllerName).
		For(&seccompprofilev1beta1.SeccompProfile{}).
		Watches(&nodestatusv1alpha1.SecurityProfileNodeStatus{}, profilestate.NodeStatusChanges(kind)).
		Watches(&corev1.Pod{}, handler.EnqueueRequestsFromMapFunc(profilesOfPod)).
		// Only arrivals, departures and kubelet root changes (status.path)
		// matter, not every heartbeat.
		Watches(&corev1.Node{}, handler.EnqueueRequestsFromMapFunc(r.allProfiles),
			builder.WithPredicates(predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
				return KubeletRoot(e.ObjectOld.GetLabels()) != KubeletRoot(e.ObjectNew.GetLabels())
			}})).
		Complete(r)
}

func profilesOfPod(_ context.Context, o client.Object) []reconcile.Request {
	var out []reconcile.Request
	for _, p := range podprofiles.Seccomp(o.(*corev1.Pod)) {
		if key, ok := podprofiles.ParseLocalhostPath(p); ok {
			out = append(out, reconcile.Request{NamespacedName: key})
		}
	}
	return out
}

// allProfiles re-evaluates every profile when nodes come or go: the set of
// nodes each profile must be installed on changed.
func (r *Reconciler) allProfiles(ctx context.Context, node client.Object) []reconcile.Request {
	list := &seccompprofilev1beta1.SeccompProfileList{}
	if err := r.Client.List(ctx, list); err != nil {
		eventmapper.ListFailed(ctx, controllerName, node, err)
		return nil
	}
	out := make([]reconcile.Request, 0, len(list.Items))
	for i := range list.Items {
		out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
	}
	return out
}
