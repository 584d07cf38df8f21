package lsmprofile

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	"github.com/securityprofiles/operator/internal/apparmor"
	"github.com/securityprofiles/operator/internal/profilestate"
)

// Reasons on the Ready and PolicyValid conditions, and of the Warning
// Events sent with them.
const (
	ReasonInvalidSelinuxProfile    = "InvalidSelinuxProfile"
	ReasonInvalidRawSelinuxProfile = "InvalidRawSelinuxProfile"
	ReasonInvalidAppArmorProfile   = "InvalidAppArmorProfile"
	// ReasonNameConflict: an older AppArmorProfile in another namespace
	// has the same name, and AppArmor names are global on a node; or a
	// SelinuxProfile in the same namespace has a RawSelinuxProfile's
	// name, and both kinds install the policy <name>_<namespace>.
	ReasonNameConflict = "NameConflict"
	// ReasonValidatorUnavailable: apparmor_parser could not run, so the
	// policy is neither accepted nor refused yet.
	ReasonValidatorUnavailable = "ValidatorUnavailable"
	// ReasonDisabled: spec.disabled is set.
	ReasonDisabled = "ProfileDisabled"
	// ReasonPolicyValid: the validator accepted this generation.
	ReasonPolicyValid = "PolicyValid"
)

// verdict is what validation concluded about one generation of a profile.
// The zero verdict is a valid profile.
type verdict struct {
	// reason and message explain why the profile is invalid; reason is
	// empty for a valid one.
	reason, message string
	// detail, when set, is a finer reason for the PolicyValid condition
	// (e.g. apparmor's SyntaxError).
	detail string
	// unchecked is why validation could not run (a missing parser). It is
	// nobody's input error, so it is retried, and never remembered.
	unchecked error
}

func (v verdict) invalid() bool { return v.reason != "" }

// warning is the reason of the Warning Event the verdict deserves, or ""
// for a valid profile.
func (v verdict) warning() string {
	if v.unchecked != nil {
		return ReasonValidatorUnavailable
	}
	return v.reason
}

// decide folds the validation verdict and spec.disabled into the state the
// nodes add up to (agg, see profilestate.Decide): an invalid profile is in
// Error whatever the nodes say; a disabled one reads Disabled at once
// unless a node reports worse; an unchecked one can be no better than
// Pending, as no node loads it.
func decide(agg profilestate.Aggregate, v verdict, disabled bool) profilestate.Aggregate {
	// Only the state changes: status.nodes still says what each node
	// reports.
	set := func(state profilebasev1alpha1.ProfileState, reason, message string) profilestate.Aggregate {
		agg.State, agg.Reason, agg.Message = state, reason, message
		return agg
	}
	switch {
	case agg.State == profilebasev1alpha1.StateTerminating:
		return agg
	case v.invalid():
		return set(profilebasev1alpha1.StateError, v.reason, v.message)
	case disabled && agg.State.Rank() > profilebasev1alpha1.StateDisabled.Rank():
		return set(profilebasev1alpha1.StateDisabled, ReasonDisabled, "spec.disabled is set: every node removes the profile")
	case v.unchecked != nil && agg.State.Rank() > profilebasev1alpha1.StatePending.Rank():
		return set(profilebasev1alpha1.StatePending, ReasonValidatorUnavailable,
			clip("cannot validate the policy yet: "+v.unchecked.Error()))
	}
	return agg
}

// policyValidCondition is the PolicyValid condition for a verdict on the
// given generation; node daemons load a policy only while it is True for
// the generation they see.
func policyValidCondition(v verdict, generation int64) metav1.Condition {
	c := metav1.Condition{Type: apparmor.ConditionPolicyValid, ObservedGeneration: generation,
		Status: metav1.ConditionTrue, Reason: ReasonPolicyValid, Message: "the policy was validated"}
	switch {
	case v.invalid():
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, v.reason, v.message
		if v.detail != "" {
			c.Reason = v.detail
		}
	case v.unchecked != nil:
		c.Status, c.Reason, c.Message = metav1.ConditionFalse, ReasonValidatorUnavailable, clip(v.unchecked.Error())
	}
	return c
}

// maxMessage keeps parser and compiler output within what a condition
// message may hold (32 KiB) with plenty of room.
const maxMessage = 4096

func clip(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	return s[:maxMessage] + " …"
}
