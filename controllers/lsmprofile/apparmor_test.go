package lsmprofile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apparmorprofilev1alpha1 "github.com/securityprofiles/operator/apis/apparmorprofile/v1alpha1"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	"github.com/securityprofiles/operator/controllers/lsmprofile"
	"github.com/securityprofiles/operator/internal/apparmor"
	"github.com/securityprofiles/operator/test/require"
)

// manualPolicy is the manual's test-profile.
const manualPolicy = `#include <tunables/global>

profile test-profile flags=(attach_disconnected) {
  #include <abstractions/base>

  file,

  # Deny all file writes.
  deny /** w,
}
`

func newAppArmor(ns, name, policy string) *apparmorprofilev1alpha1.AppArmorProfile {
	return &apparmorprofilev1alpha1.AppArmorProfile{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       apparmorprofilev1alpha1.AppArmorProfileSpec{Policy: policy},
	}
}

func appArmorStatus(ctx SpecContext, p *apparmorprofilev1alpha1.AppArmorProfile) func(Gomega) *profilebasev1alpha1.StatusBase {
	return statusOf(ctx, p, func() *profilebasev1alpha1.StatusBase { return &p.Status.StatusBase })
}

// policyValid matches a status whose PolicyValid condition has the given
// status and reason for the object's generation.
func policyValid(p *apparmorprofilev1alpha1.AppArmorProfile, status metav1.ConditionStatus, reason string) OmegaMatcher {
	return WithTransform(func(s *profilebasev1alpha1.StatusBase) metav1.Condition {
		if c := meta.FindStatusCondition(s.Conditions, apparmor.ConditionPolicyValid); c != nil {
			return *c
		}
		return metav1.Condition{}
	}, And(HaveField("Status", status), HaveField("Reason", reason), HaveField("ObservedGeneration", p.Generation)))
}

var _ = Describe("AppArmorProfile", func() {
	BeforeEach(func() {
		require.Command(GinkgoTB(), "apparmor_parser")
	})

	It("validates the manual's test-profile, so nodes may load it", func(ctx SpecContext) {
		p := newAppArmor(newNamespace(ctx, "apparmor-"), "test-profile", manualPolicy)
		Expect(env.Client.Create(ctx, p)).To(Succeed())
		Eventually(appArmorStatus(ctx, p)).WithTimeout(timeout).Should(And(
			policyValid(p, metav1.ConditionTrue, lsmprofile.ReasonPolicyValid),
			haveState(profilebasev1alpha1.StatePending, "Pending")))

		pending := profilebasev1alpha1.NodeState{Status: profilebasev1alpha1.StatePending, Reason: "Pending", Message: "the node has not reported"}
		a, b := pending, pending
		a.Node, b.Node = nodes[0], nodes[1]
		Eventually(appArmorStatus(ctx, p)).WithTimeout(timeout).Should(HaveField("Nodes",
			Equal(&profilebasev1alpha1.NodeSummary{Total: 2, NotInstalled: []profilebasev1alpha1.NodeState{a, b}})))

		reportFromNodes(ctx, "AppArmorProfile", p, profilebasev1alpha1.StateInstalled)
		Eventually(appArmorStatus(ctx, p)).WithTimeout(timeout).Should(And(
			haveState(profilebasev1alpha1.StateInstalled, "Installed"),
			HaveField("Nodes", Equal(&profilebasev1alpha1.NodeSummary{Total: 2, Installed: 2}))))
		Eventually(announcements(ctx, p.Namespace, p.Name)).WithTimeout(timeout).Should(
			ConsistOf("ProfileInstalled Load: Loaded on all 2 nodes"))
	})

	It("refuses a syntax error and a policy named unlike the object, for the generation that has them", func(ctx SpecContext) {
		ns := newNamespace(ctx, "apparmor-")
		broken := newAppArmor(ns, "broken", "profile broken {\n  /tmp/** rw\n")
		misnamed := newAppArmor(ns, "misnamed", "profile other-name {\n  file,\n}\n")
		Expect(env.Client.Create(ctx, broken)).To(Succeed())
		Expect(env.Client.Create(ctx, misnamed)).To(Succeed())
		Eventually(appArmorStatus(ctx, broken)).WithTimeout(timeout).Should(And(
			haveState(profilebasev1alpha1.StateError, lsmprofile.ReasonInvalidAppArmorProfile),
			policyValid(broken, metav1.ConditionFalse, apparmor.ReasonSyntaxError)))
		Eventually(appArmorStatus(ctx, misnamed)).WithTimeout(timeout).Should(And(
			haveState(profilebasev1alpha1.StateError, lsmprofile.ReasonInvalidAppArmorProfile),
			policyValid(misnamed, metav1.ConditionFalse, apparmor.ReasonNameMismatch)))
		Expect(misnamed.Status.ReadyCondition().Message).To(ContainSubstring("other-name"))
		Eventually(warnings(ctx, ns, "misnamed")).WithTimeout(timeout).Should(Equal([]string{lsmprofile.ReasonInvalidAppArmorProfile}))

		// The fix is a new generation, valid again.
		before := misnamed.DeepCopy()
		misnamed.Spec.Policy = "profile misnamed {\n  file,\n}\n"
		Expect(env.Client.Patch(ctx, misnamed, client.MergeFrom(before))).To(Succeed())
		Eventually(appArmorStatus(ctx, misnamed)).WithTimeout(timeout).Should(And(
			policyValid(misnamed, metav1.ConditionTrue, lsmprofile.ReasonPolicyValid),
			haveState(profilebasev1alpha1.StatePending, "Pending")))
	})

	It("leaves a name to the older of two namespaces' profiles, and hands it over when that one goes", func(ctx SpecContext) {
		// Created first and first in order: the older even within the
		// same second of creationTimestamp.
		first := newAppArmor(newNamespace(ctx, "aa-conflict-"), "shared", "profile shared {\n  file,\n}\n")
		Expect(env.Client.Create(ctx, first)).To(Succeed())
		Eventually(appArmorStatus(ctx, first)).WithTimeout(timeout).Should(policyValid(first, metav1.ConditionTrue, lsmprofile.ReasonPolicyValid))
		second := newAppArmor(newNamespace(ctx, "zz-conflict-"), "shared", "profile shared {\n  file,\n}\n")
		Expect(env.Client.Create(ctx, second)).To(Succeed())

		Eventually(appArmorStatus(ctx, second)).WithTimeout(timeout).Should(And(
			haveState(profilebasev1alpha1.StateError, lsmprofile.ReasonNameConflict),
			policyValid(second, metav1.ConditionFalse, lsmprofile.ReasonNameConflict)))
		Expect(second.Status.ReadyCondition().Message).To(ContainSubstring(first.Namespace + "/shared"))
		Expect(appArmorStatus(ctx, first)(Default)).To(policyValid(first, metav1.ConditionTrue, lsmprofile.ReasonPolicyValid))

		Expect(env.Client.Delete(ctx, first)).To(Succeed())
		Eventually(appArmorStatus(ctx, second)).WithTimeout(timeout).Should(And(
			policyValid(second, metav1.ConditionTrue, lsmprofile.ReasonPolicyValid),
			haveState(profilebasev1alpha1.StatePending, "Pending")))
	})
})
