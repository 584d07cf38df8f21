package lsmprofile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
)

// setNodeSwitches sets spod's enableSelinux and enableAppArmor.
func setNodeSwitches(ctx SpecContext, selinux, appArmor bool) {
	spod := &spodv1alpha1.SecurityProfilesOperatorDaemon{}
	Expect(env.Client.Get(ctx, types.NamespacedName{Namespace: operatorNamespace, Name: spodv1alpha1.Name}, spod)).To(Succeed())
	before := spod.DeepCopy()
	spod.Spec.EnableSelinux, spod.Spec.EnableAppArmor = &selinux, appArmor
	Expect(env.Client.Patch(ctx, spod, client.MergeFrom(before))).To(Succeed())
}

var _ = Describe("spod's node switches", func() {
	It("say why a profile no node reports on stays Pending while its kind is switched off in spod", func(ctx SpecContext) {
		setNodeSwitches(ctx, false, false)
		DeferCleanup(func(ctx SpecContext) { setNodeSwitches(ctx, true, true) })
		ns := newNamespace(ctx, "switch-")
		se := &selinuxprofilev1alpha2.SelinuxProfile{}
		se.Namespace, se.Name = ns, "web"
		Expect(env.Client.Create(ctx, se)).To(Succeed())
		aa := newAppArmor(ns, "test-profile-switch", manualPolicy)
		aa.Spec.Policy = `profile test-profile-switch { file, }`
		Expect(env.Client.Create(ctx, aa)).To(Succeed())

		Eventually(selinuxStatus(ctx, se)).WithTimeout(timeout).Should(haveState(profilebasev1alpha1.StatePending, "SelinuxNotEnabled"))
		Expect(se.Status.ReadyCondition().Message).To(ContainSubstring(`{"spec":{"enableSelinux":true}}`))
		Eventually(appArmorStatus(ctx, aa)).WithTimeout(timeout).Should(haveState(profilebasev1alpha1.StatePending, "AppArmorNotEnabled"))

		// Switching a kind on is enough: the profiles wait for the nodes.
		setNodeSwitches(ctx, true, true)
		Eventually(selinuxStatus(ctx, se)).WithTimeout(timeout).Should(haveState(profilebasev1alpha1.StatePending, "Pending"))
		Eventually(appArmorStatus(ctx, aa)).WithTimeout(timeout).Should(haveState(profilebasev1alpha1.StatePending, "Pending"))
	})
})
