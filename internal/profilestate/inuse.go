package profilestate

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/securityprofiles/operator/apis/keys"
)

// KeepInUse keeps a profile's in-use finalizer in step with the running
// pods that use it (pods of them), and reports whether the profile was
// released: deleted, no pod uses it, and its finalizer (if any) removed,
// so the pass is over.
//
// A live profile that a pod uses gets the finalizer before its status
// names that pod, so whoever sees a pod in status.activeWorkloads cannot
// delete the profile from under it. The pod watch brings that pass within
// moments of the pod's creation, before its containers start. A profile no
// pod ever used carries none: a new profile costs no write for it, nor the
// copy of that write to every node's daemon (they watch profiles). Once
// added it stays until the profile is deleted and unused.
func KeepInUse(ctx context.Context, c client.Client, obj client.Object, deleting bool, pods int) (released bool, err error) {
	held := controllerutil.ContainsFinalizer(obj, keys.InUseFinalizer)
	switch {
	case deleting && pods == 0:
		if !held {
			return true, nil
		}
		patch := client.MergeFrom(obj.DeepCopyObject().(client.Object))
		controllerutil.RemoveFinalizer(obj, keys.InUseFinalizer)
		return true, client.IgnoreNotFound(c.Patch(ctx, obj, patch))
	case !deleting && pods > 0 && !held:
		patch := client.MergeFrom(obj.DeepCopyObject().(client.Object))
		controllerutil.AddFinalizer(obj, keys.InUseFinalizer)
		return false, client.IgnoreNotFound(c.Patch(ctx, obj, patch))
	}
	return false, nil
}
