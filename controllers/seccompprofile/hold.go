package seccompprofile

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/securityprofiles/operator/apis/keys"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
)

// hold adds the in-use finalizer to a profile a running pod uses, before
// the status names that pod: a profile whose status.activeWorkloads lists
// a pod cannot be deleted until no pod uses it. The pod watch brings this
// pass within moments of the pod's creation, before its containers start.
// A profile no pod ever used carries no finalizer: a new profile costs no
// write for it, nor its copy to every node's daemon (they watch profiles).
// Once added it stays until the profile is deleted and unused (release).
func (r *Reconciler) hold(ctx context.Context, sp *seccompprofilev1beta1.SeccompProfile) error {
	patch := client.MergeFrom(sp.DeepCopy())
	controllerutil.AddFinalizer(sp, keys.InUseFinalizer)
	return client.IgnoreNotFound(r.Client.Patch(ctx, sp, patch))
}
