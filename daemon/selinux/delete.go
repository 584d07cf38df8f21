package selinux

import (
	"context"
	"errors"
	"fmt"
	"slices"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/internal/selinuxd"
)

// uninstall removes the policy of a profile that is gone, going, or must
// not be enforced, and deletes this node's status only once selinuxd no
// longer lists the module, so the status never claims less than the node
// still enforces. owner is nil when the profile no longer exists. A
// policy the profile of the other kind owns (see ownsPolicy) is that
// one's: only this profile's status goes.
func (r *reconciler) uninstall(ctx context.Context, key client.ObjectKey, owner client.Object) (ctrl.Result, error) {
	owns, err := r.ownsPolicy(ctx, key, owner != nil)
	if err != nil {
		return ctrl.Result{}, err
	}
	if !owns {
		return ctrl.Result{}, r.deleteStatus(ctx, key)
	}
	policy := policyName(key)
	if err := r.removeFile(policy); err != nil {
		return ctrl.Result{}, err
	}
	if r.enabled {
		installed, err := r.selinuxd.List(ctx)
		if errors.Is(err, selinuxd.ErrUnavailable) {
			return r.unreachable(ctx, owner, stateTerminating, err)
		}
		if err != nil {
			countError(ReasonCannotGetStatus)
			return ctrl.Result{}, fmt.Errorf("list selinuxd policies: %w", err)
		}
		if slices.Contains(installed, policy) {
			if owner != nil {
				if err := r.setState(ctx, owner, stateTerminating, ReasonRemoving,
					fmt.Sprintf("policy file %s.cil removed; waiting for selinuxd to uninstall it", policy)); err != nil {
					return ctrl.Result{}, err
				}
			}
			return ctrl.Result{RequeueAfter: pollInterval}, nil
		}
	}
	return ctrl.Result{}, r.deleteStatus(ctx, key)
}

// deleteStatus deletes this node's status of the profile at key.
func (r *reconciler) deleteStatus(ctx context.Context, key client.ObjectKey) error {
	if err := r.status.Delete(ctx, key.Namespace, r.kind.name, key.Name); err != nil {
		countError(ReasonCannotUpdateStatus)
		return fmt.Errorf("delete node status of %s: %w", key, err)
	}
	return nil
}

// removeFile removes a policy's file, which makes selinuxd uninstall the
// module. A node without SELinux never wrote one.
func (r *reconciler) removeFile(policy string) error {
	if !r.enabled {
		return nil
	}
	removed, err := r.dir.Remove(policy)
	if err != nil {
		countError(ReasonCannotRemove)
		return fmt.Errorf("remove policy %s: %w", policy, err)
	}
	if removed {
		countOperation(operationDelete)
	}
	return nil
}
