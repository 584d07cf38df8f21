package seccompprofile

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/securityprofiles/operator/apis/keys"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
)

// hold adds the in-use finalizer to a profile seen for the first time. Its
// first pass wrote the status before, so a profile the manager holds never
// shows an empty state, and that status is already the whole one (nodes,
// paths): a new profile costs the finalizer, this status and the one that
// says Installed, not a bare Pending first.
func (r *Reconciler) hold(ctx context.Context, sp *seccompprofilev1beta1.SeccompProfile) error {
	patch := client.MergeFrom(sp.DeepCopy())
	controllerutil.AddFinalizer(sp, keys.InUseFinalizer)
	return client.IgnoreNotFound(r.Client.Patch(ctx, sp, patch))
}
