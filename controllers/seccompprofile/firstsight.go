package seccompprofile

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/securityprofiles/operator/apis/keys"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
)

// firstSight is the pass that first sees a profile: it says Pending, then
// holds the profile with the in-use finalizer. The status comes first so
// that a profile the manager has seen never shows an empty state, even
// while the next pass, which weighs the node statuses, is still to come.
func (r *Reconciler) firstSight(ctx context.Context, sp *seccompprofilev1beta1.SeccompProfile) error {
	if sp.Status.Status == "" {
		before := sp.DeepCopy()
		sp.Status.SetState(profilebasev1alpha1.StatePending, "Pending",
			"not yet installed on every node; see the SecurityProfileNodeStatus objects", sp.Generation)
		// Against the version read: a stale cache must not turn a status
		// someone already wrote back into Pending.
		if err := r.Client.Status().Patch(ctx, sp, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); err != nil {
			return client.IgnoreNotFound(err)
		}
	}
	patch := client.MergeFrom(sp.DeepCopy())
	controllerutil.AddFinalizer(sp, keys.InUseFinalizer)
	return r.Client.Patch(ctx, sp, patch)
}
