package selinux

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	"github.com/securityprofiles/operator/daemon/nodestatus"
)

// profileState is a node state.
type profileState = profilebasev1alpha1.ProfileState

// Short names for the node states this package reports.
const (
	stateInProgress  = profilebasev1alpha1.StateInProgress
	stateInstalled   = profilebasev1alpha1.StateInstalled
	stateError       = profilebasev1alpha1.StateError
	stateDisabled    = profilebasev1alpha1.StateDisabled
	stateTerminating = profilebasev1alpha1.StateTerminating
)

// setState writes the node status and, when it changed to Error, a Warning
// Event.
func (r *reconciler) setState(ctx context.Context, obj client.Object, state profileState, reason, message string) error {
	_, err := r.updateState(ctx, obj, state, reason, message)
	return err
}

// updateState is setState reporting whether the status changed.
func (r *reconciler) updateState(ctx context.Context, obj client.Object, state profileState, reason, message string) (bool, error) {
	changed, err := r.status.Set(ctx, obj, r.kind.name, nodestatus.State{Status: state, Reason: reason, Message: message})
	if err != nil {
		countError(ReasonCannotUpdateStatus)
		return false, fmt.Errorf("update node status: %w", err)
	}
	if !changed || r.events == nil {
		return changed, nil
	}
	// Problems only: the manager announces an install on every node.
	if state == stateError {
		r.events.Eventf(obj, nil, corev1.EventTypeWarning, reason, "Install",
			"Not installed on node %s: %s", r.status.NodeName(), message)
	}
	return true, nil
}
