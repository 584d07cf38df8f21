package profilerecording

import (
	"context"

	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/securityprofiles/operator/apis/keys"
	profilerecordingv1alpha1 "github.com/securityprofiles/operator/apis/profilerecording/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/internal/eventmapper"
)

// SetupWithManager registers the controller and its watches: a recording
// is reconciled when one of its profiles (of either kind) changes and
// every recording when spod changes.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	isSpod := predicate.NewPredicateFuncs(func(o client.Object) bool {
		return o.GetNamespace() == r.OperatorNamespace && o.GetName() == spodv1alpha1.Name
	})
	return ctrl.NewControllerManagedBy(mgr).
		Named("profilerecording").
		For(&profilerecordingv1alpha1.ProfileRecording{}).
		// No label predicate: on updates the map function sees the old
		// object too, so a profile that loses its label is noticed.
		Watches(&seccompprofilev1beta1.SeccompProfile{}, handler.EnqueueRequestsFromMapFunc(recordingOfProfile)).
		Watches(&selinuxprofilev1alpha2.SelinuxProfile{}, handler.EnqueueRequestsFromMapFunc(recordingOfProfile)).
		Watches(&spodv1alpha1.SecurityProfilesOperatorDaemon{}, handler.EnqueueRequestsFromMapFunc(r.allRecordings),
			builder.WithPredicates(isSpod)).
		Complete(r)
}

// recordingOfProfile maps a profile to the recording its label names.
func recordingOfProfile(_ context.Context, o client.Object) []reconcile.Request {
	name := o.GetLabels()[keys.RecordingIDLabel]
	if name == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: o.GetNamespace(), Name: name}}}
}

// allRecordings maps a spod change to every recording: which recorders
// run decides their Ready condition.
func (r *Reconciler) allRecordings(ctx context.Context, spod client.Object) []reconcile.Request {
	list := &profilerecordingv1alpha1.ProfileRecordingList{}
	if err := r.Client.List(ctx, list); err != nil {
		eventmapper.ListFailed(ctx, "profilerecording", spod, err)
		return nil
	}
	out := make([]reconcile.Request, 0, len(list.Items))
	for i := range list.Items {
		out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
	}
	return out
}
