package apparmor

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	apparmorprofilev1alpha1 "github.com/securityprofiles/operator/apis/apparmorprofile/v1alpha1"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	"github.com/securityprofiles/operator/daemon/nodestatus"
	internalapparmor "github.com/securityprofiles/operator/internal/apparmor"
)

// managerVerdict reads the manager's PolicyValid condition. It reports
// whether the manager accepted the profile's current generation, and if
// it did not, the state this node reports meanwhile: Pending while the
// verdict is missing, unknown or about an older generation, Error when
// the manager refused the policy.
func managerVerdict(p *apparmorprofilev1alpha1.AppArmorProfile) (nodestatus.State, bool) {
	c := meta.FindStatusCondition(p.Status.Conditions, internalapparmor.ConditionPolicyValid)
	switch {
	case c == nil || c.ObservedGeneration != p.Generation:
		return nodestatus.State{Status: profilebasev1alpha1.StatePending, Reason: ReasonWaitingForValidation,
			Message: fmt.Sprintf("waiting for the manager to validate generation %d of the policy", p.Generation)}, false
	case c.Status == metav1.ConditionTrue:
		return nodestatus.State{}, true
	case c.Status == metav1.ConditionFalse:
		return nodestatus.State{Status: profilebasev1alpha1.StateError, Reason: ReasonInvalid,
			Message: fmt.Sprintf("the manager found the policy invalid (%s): %s", c.Reason, c.Message)}, false
	default:
		return nodestatus.State{Status: profilebasev1alpha1.StatePending, Reason: ReasonWaitingForValidation,
			Message: fmt.Sprintf("the manager has not decided on generation %d of the policy: %s", p.Generation, c.Message)}, false
	}
}

// verdictKey is what of the PolicyValid condition matters to a node; a
// status write that leaves it alone (e.g. the manager's aggregate of the
// node states) needs no pass.
func verdictKey(p *apparmorprofilev1alpha1.AppArmorProfile) metav1.Condition {
	c := meta.FindStatusCondition(p.Status.Conditions, internalapparmor.ConditionPolicyValid)
	if c == nil {
		return metav1.Condition{}
	}
	return metav1.Condition{Status: c.Status, ObservedGeneration: c.ObservedGeneration, Reason: c.Reason, Message: c.Message}
}
