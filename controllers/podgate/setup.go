package podgate

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

	apparmorprofilev1alpha1 "github.com/securityprofiles/operator/apis/apparmorprofile/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/internal/eventmapper"
	"github.com/securityprofiles/operator/internal/profilegate"
)

const (
	// profileIndex indexes gated pods by every profile they may use, as
	// profilegate.Ref.String(): "<kind> <namespace>/<name>".
	profileIndex = "spo.podgate.profiles"
	// gatedIndex indexes gated pods under gatedValue, so turning gating
	// off finds them all without scanning every pod.
	gatedIndex = "spo.podgate.gated"
	gatedValue = "true"
)

// SetupWithManager registers the indexes, the metrics, the controller and
// its watches.
func (r *Reconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager) error {
	registerMetrics()
	idx := mgr.GetFieldIndexer()
	if err := idx.IndexField(ctx, &corev1.Pod{}, profileIndex, func(o client.Object) []string {
		if !hasGate(o) {
			return nil
		}
		var out []string
		for _, ref := range profilegate.Refs(o.(*corev1.Pod)) {
			out = append(out, ref.String())
		}
		return out
	}); err != nil {
		return err
	}
	if err := idx.IndexField(ctx, &corev1.Pod{}, gatedIndex, func(o client.Object) []string {
		if !hasGate(o) {
			return nil
		}
		return []string{gatedValue}
	}); err != nil {
		return err
	}
	// An update counts when either side is gated: a pod whose gate someone
	// else removed must still be forgotten.
	gated := predicate.Funcs{
		CreateFunc:  func(e event.CreateEvent) bool { return hasGate(e.Object) },
		UpdateFunc:  func(e event.UpdateEvent) bool { return hasGate(e.ObjectOld) || hasGate(e.ObjectNew) },
		DeleteFunc:  func(e event.DeleteEvent) bool { return hasGate(e.Object) },
		GenericFunc: func(e event.GenericEvent) bool { return hasGate(e.Object) },
	}
	isSpod := predicate.NewPredicateFuncs(func(o client.Object) bool {
		return o.GetNamespace() == r.OperatorNamespace && o.GetName() == spodv1alpha1.Name
	})
	b := ctrl.NewControllerManagedBy(mgr).
		Named("podgate").
		For(&corev1.Pod{}, builder.WithPredicates(gated)).
		Watches(&spodv1alpha1.SecurityProfilesOperatorDaemon{}, handler.EnqueueRequestsFromMapFunc(r.podsIfDisabled),
			builder.WithPredicates(isSpod))
	for _, kind := range []client.Object{
		&seccompprofilev1beta1.SeccompProfile{},
		&selinuxprofilev1alpha2.SelinuxProfile{},
		&selinuxprofilev1alpha2.RawSelinuxProfile{},
		&apparmorprofilev1alpha1.AppArmorProfile{},
	} {
		b = b.Watches(kind, handler.EnqueueRequestsFromMapFunc(r.podsUsing))
	}
	return b.Complete(r)
}

// podsUsing queues the gated pods that use a profile.
func (r *Reconciler) podsUsing(ctx context.Context, o client.Object) []reconcile.Request {
	ref, ok := profilegate.RefOf(o)
	if !ok {
		return nil
	}
	return r.gatedPods(ctx, o, client.MatchingFields{profileIndex: ref.String()})
}

// podsIfDisabled queues every gated pod once spod turns gating off.
func (r *Reconciler) podsIfDisabled(ctx context.Context, o client.Object) []reconcile.Request {
	if o.(*spodv1alpha1.SecurityProfilesOperatorDaemon).Spec.SchedulingGatesEnabled() {
		return nil
	}
	return r.gatedPods(ctx, o, client.MatchingFields{gatedIndex: gatedValue})
}

func (r *Reconciler) gatedPods(ctx context.Context, event client.Object, sel client.MatchingFields) []reconcile.Request {
	list := &corev1.PodList{}
	if err := r.Client.List(ctx, list, sel); err != nil {
		eventmapper.ListFailed(ctx, "podgate", event, err)
		return nil
	}
	out := make([]reconcile.Request, 0, len(list.Items))
	for i := range list.Items {
		out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
	}
	return out
}
