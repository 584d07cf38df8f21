package apparmor

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	apparmorprofilev1alpha1 "github.com/securityprofiles/operator/apis/apparmorprofile/v1alpha1"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	internalapparmor "github.com/securityprofiles/operator/internal/apparmor"
)

func TestManagerVerdict(t *testing.T) {
	cond := func(status metav1.ConditionStatus, gen int64) []metav1.Condition {
		return []metav1.Condition{{Type: internalapparmor.ConditionPolicyValid, Status: status, ObservedGeneration: gen,
			Reason: "SyntaxError", Message: "line 3"}}
	}
	for _, tc := range []struct {
		name       string
		conditions []metav1.Condition
		accepted   bool
		state      profilebasev1alpha1.ProfileState
		reason     string
	}{
		{"no verdict", nil, false, profilebasev1alpha1.StatePending, ReasonWaitingForValidation},
		{"only Ready", []metav1.Condition{{Type: profilebasev1alpha1.ConditionReady, Status: metav1.ConditionTrue, ObservedGeneration: 2}},
			false, profilebasev1alpha1.StatePending, ReasonWaitingForValidation},
		{"valid", cond(metav1.ConditionTrue, 2), true, "", ""},
		{"valid, older generation", cond(metav1.ConditionTrue, 1), false, profilebasev1alpha1.StatePending, ReasonWaitingForValidation},
		{"invalid", cond(metav1.ConditionFalse, 2), false, profilebasev1alpha1.StateError, ReasonInvalid},
		{"invalid, older generation", cond(metav1.ConditionFalse, 1), false, profilebasev1alpha1.StatePending, ReasonWaitingForValidation},
		{"unknown", cond(metav1.ConditionUnknown, 2), false, profilebasev1alpha1.StatePending, ReasonWaitingForValidation},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &apparmorprofilev1alpha1.AppArmorProfile{}
			p.Generation = 2
			p.Status.Conditions = tc.conditions
			st, ok := managerVerdict(p)
			if ok != tc.accepted || st.Status != tc.state || st.Reason != tc.reason {
				t.Fatalf("got %+v, %v; want %s/%s, %v", st, ok, tc.state, tc.reason, tc.accepted)
			}
		})
	}
}
