package selinux

import (
	"context"
	"errors"
	"fmt"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/internal/selinuxd"
)

// install writes the profile's policy file and follows selinuxd until it
// reports the policy installed or failed.
func (r *reconciler) install(ctx context.Context, obj client.Object, cil []byte) (ctrl.Result, error) {
	policy := policyName(client.ObjectKeyFromObject(obj))
	changed, err := r.dir.Write(policy, cil)
	if err != nil {
		countError(ReasonCannotWrite)
		_ = r.setState(ctx, obj, stateError, ReasonCannotWrite, err.Error())
		return ctrl.Result{}, fmt.Errorf("write policy %s: %w", policy, err)
	}
	if changed {
		countOperation(operationUpdate)
		ctrl.LoggerFrom(ctx).V(1).Info("Policy file written", "policy", policy, "bytes", len(cil))
	}
	if ready, err := r.selinuxd.Ready(ctx); err != nil || !ready {
		return r.unreachable(ctx, obj, stateInProgress, err)
	}
	if changed {
		// selinuxd may still answer for the file this one replaced; its
		// verdict on the new one comes on a later pass.
		return r.waiting(ctx, obj, policy)
	}
	st, err := r.selinuxd.Status(ctx, policy)
	switch {
	case errors.Is(err, selinuxd.ErrNotFound):
		return r.waiting(ctx, obj, policy)
	case errors.Is(err, selinuxd.ErrUnavailable):
		return r.unreachable(ctx, obj, stateInProgress, err)
	case err != nil:
		countError(ReasonCannotGetStatus)
		return ctrl.Result{}, fmt.Errorf("ask selinuxd about policy %s: %w", policy, err)
	}
	// selinuxd's verdict stays the old file's until it has handled a new
	// one, and it cannot tell us when it has: after an update the verdict
	// read here may be the previous file's. Rechecking a verdict now and
	// then corrects that, and notices selinuxd losing or failing a policy
	// later (e.g. reinstalling it after a restart).
	switch st.State {
	case selinuxd.StateInstalled:
		err := r.setState(ctx, obj, stateInstalled, ReasonInstalled, fmt.Sprintf("policy %s installed by selinuxd", policy))
		return ctrl.Result{RequeueAfter: recheckInterval}, err
	case selinuxd.StateFailed:
		changed, err := r.updateState(ctx, obj, stateError, ReasonCannotSave, "selinuxd could not install the policy: "+st.Message)
		if changed {
			countError(ReasonCannotSave)
		}
		return ctrl.Result{RequeueAfter: recheckInterval}, err
	default:
		return r.waiting(ctx, obj, policy)
	}
}

// waiting reports the policy handed to selinuxd and asks for another look
// soon.
func (r *reconciler) waiting(ctx context.Context, obj client.Object, policy string) (ctrl.Result, error) {
	err := r.setState(ctx, obj, stateInProgress, ReasonWaiting,
		fmt.Sprintf("policy file %s.cil written; waiting for selinuxd to install it", policy))
	return ctrl.Result{RequeueAfter: pollInterval}, err
}

// unreachable reports that selinuxd cannot be asked (not started, not
// ready yet, or gone) and retries with the controller's backoff. cause is
// nil when selinuxd answered but is not ready.
func (r *reconciler) unreachable(ctx context.Context, obj client.Object, state profileState, cause error) (ctrl.Result, error) {
	countError(ReasonCannotContact)
	if cause == nil {
		cause = errors.New("selinuxd is not ready")
	}
	if obj != nil {
		if err := r.setState(ctx, obj, state, ReasonCannotContact, cause.Error()); err != nil {
			return ctrl.Result{}, err
		}
	}
	return ctrl.Result{}, fmt.Errorf("contact selinuxd: %w", cause)
}
