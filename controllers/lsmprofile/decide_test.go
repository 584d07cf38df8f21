package lsmprofile

import (
	"errors"
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	"github.com/securityprofiles/operator/internal/profilestate"
)

func TestDecide(t *testing.T) {
	agg := func(s profilebasev1alpha1.ProfileState, reason string) profilestate.Aggregate {
		return profilestate.Aggregate{State: s, Reason: reason, Message: "from the nodes",
			Nodes: &profilebasev1alpha1.NodeSummary{Total: 2, Installed: 1}}
	}
	invalid := verdict{reason: ReasonInvalidSelinuxProfile, message: "spec.allow: bad"}
	unchecked := verdict{unchecked: errors.New("apparmor_parser not found")}
	for _, tc := range []struct {
		name     string
		nodes    profilestate.Aggregate
		v        verdict
		disabled bool
		want     profilebasev1alpha1.ProfileState
		reason   string
	}{
		{"valid: the nodes decide", agg("Installed", "Installed"), verdict{}, false, "Installed", "Installed"},
		{"invalid beats installed nodes", agg("Installed", "Installed"), invalid, false, "Error", ReasonInvalidSelinuxProfile},
		{"invalid beats disabled", agg("Pending", "Pending"), invalid, true, "Error", ReasonInvalidSelinuxProfile},
		{"terminating stays", agg("Terminating", "InUse"), invalid, true, "Terminating", "InUse"},
		{"disabled before nodes report", agg("Pending", "Pending"), verdict{}, true, "Disabled", ReasonDisabled},
		{"disabled while a node still has it", agg("Installed", "Installed"), verdict{}, true, "Disabled", ReasonDisabled},
		{"disabled on every node", agg("Disabled", "ProfileDisabled"), verdict{}, true, "Disabled", "ProfileDisabled"},
		{"a failing node shows through disabled", agg("Error", "CannotRemove"), verdict{}, true, "Error", "CannotRemove"},
		{"unchecked is at best pending", agg("Installed", "Installed"), unchecked, false, "Pending", ReasonValidatorUnavailable},
		{"unchecked keeps worse node states", agg("Error", "CannotLoad"), unchecked, false, "Error", "CannotLoad"},
		{"disabled beats unchecked", agg("Pending", "Pending"), unchecked, true, "Disabled", ReasonDisabled},
	} {
		got := decide(tc.nodes, tc.v, tc.disabled)
		if got.State != tc.want || got.Reason != tc.reason {
			t.Errorf("%s: got %s/%s, want %s/%s", tc.name, got.State, got.Reason, tc.want, tc.reason)
		}
		// The verdict changes the state, not what the nodes report.
		if got.Nodes != tc.nodes.Nodes {
			t.Errorf("%s: status.nodes replaced by %+v", tc.name, got.Nodes)
		}
	}
}

func TestPolicyValidCondition(t *testing.T) {
	g := NewWithT(t)
	c := policyValidCondition(verdict{}, 3)
	g.Expect(c).To(And(HaveField("Type", "PolicyValid"), HaveField("Status", metav1.ConditionTrue),
		HaveField("Reason", ReasonPolicyValid), HaveField("ObservedGeneration", int64(3))))

	c = policyValidCondition(verdict{reason: ReasonInvalidAppArmorProfile, detail: "SyntaxError", message: "line 2"}, 4)
	g.Expect(c).To(And(HaveField("Status", metav1.ConditionFalse), HaveField("Reason", "SyntaxError"),
		HaveField("Message", "line 2"), HaveField("ObservedGeneration", int64(4))))

	c = policyValidCondition(verdict{reason: ReasonNameConflict, message: "ns/x has it"}, 4)
	g.Expect(c).To(And(HaveField("Status", metav1.ConditionFalse), HaveField("Reason", ReasonNameConflict)))

	c = policyValidCondition(verdict{unchecked: errors.New("no parser")}, 5)
	g.Expect(c).To(And(HaveField("Status", metav1.ConditionFalse), HaveField("Reason", ReasonValidatorUnavailable),
		HaveField("Message", "no parser")))
}
