package apparmor_test

import (
	"time"

	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	apparmorprofilev1alpha1 "github.com/securityprofiles/operator/apis/apparmorprofile/v1alpha1"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	"github.com/securityprofiles/operator/daemon/apparmor"
	"github.com/securityprofiles/operator/daemon/nodestatus"
	internalapparmor "github.com/securityprofiles/operator/internal/apparmor"
)

// policyFor is the user manual's example policy, named name.
func policyFor(name string) string {
	return "#include <tunables/global>\n\nprofile " + name + " flags=(attach_disconnected) {\n" +
		"  #include <abstractions/base>\n\n  file,\n\n  # Deny all file writes.\n  deny /** w,\n}\n"
}

func createProfile(ns, name, policy string) *apparmorprofilev1alpha1.AppArmorProfile {
	GinkgoHelper()
	p := &apparmorprofilev1alpha1.AppArmorProfile{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: apparmorprofilev1alpha1.AppArmorProfileSpec{Policy: policy}}
	Expect(env.Client.Create(ctx(), p)).To(Succeed())
	return p
}

// setVerdict writes the manager's PolicyValid condition for the profile's
// current generation.
func setVerdict(p *apparmorprofilev1alpha1.AppArmorProfile, status metav1.ConditionStatus, message string) {
	GinkgoHelper()
	Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(p), p)).To(Succeed())
	meta.SetStatusCondition(&p.Status.Conditions, metav1.Condition{Type: internalapparmor.ConditionPolicyValid,
		Status: status, Reason: "Checked", Message: message, ObservedGeneration: p.Generation})
	Expect(env.Client.Status().Update(ctx(), p)).To(Succeed())
}

// stateOn returns what a node reports for the profile as
// "State/Reason: Message", or "gone" when it reports nothing. The daemon
// writes asynchronously: callers poll it.
func stateOn(p *apparmorprofilev1alpha1.AppArmorProfile, node string) func() string {
	return func() string {
		st, err := nodestatus.Lookup(ctx(), env.Client, p.Namespace, node, "AppArmorProfile", p.Name)
		Expect(err).NotTo(HaveOccurred())
		if st == nil {
			return "gone"
		}
		if st.UID != p.UID {
			return "recorded for another profile object: " + string(st.UID)
		}
		return string(st.Status) + "/" + st.Reason + ": " + st.Message
	}
}

// state is the start of stateOn's answer; an Installed entry carries no
// message, so for it the answer is exactly this.
func state(s profilebasev1alpha1.ProfileState, reason string) string {
	return string(s) + "/" + reason + ": "
}

var _ = Describe("AppArmorProfile on a node", func() {
	It("reports a node without AppArmor and never touches its kernel", func() {
		ns := newNamespace()
		p := createProfile(ns, "test-profile", policyFor("test-profile"))
		setVerdict(p, metav1.ConditionTrue, "")
		Eventually(stateOn(p, nodeWithout), timeout).Should(And(
			HavePrefix(state(profilebasev1alpha1.StateError, apparmor.ReasonNotSupported)),
			ContainSubstring("AppArmor is not enabled in this node's kernel")))
		// The other node saw the same verdict and loaded the profile.
		Eventually(stateOn(p, nodeWith), timeout).Should(Equal(state(profilebasev1alpha1.StateInstalled, apparmor.ReasonInstalled)))
		Expect(kernelWithout.calls()).To(BeZero())

		Expect(env.Client.Delete(ctx(), p)).To(Succeed())
		Eventually(stateOn(p, nodeWithout), timeout).Should(Equal("gone"))
		Expect(kernelWithout.calls()).To(BeZero())
	})

	It("waits for the manager's verdict, loads, keeps the copy while an edit waits, and unloads on delete", func() {
		ns := newNamespace()
		const name = "waits"
		policy := policyFor(name)
		p := createProfile(ns, name, policy)
		Eventually(stateOn(p, nodeWith), timeout).Should(HavePrefix(state(profilebasev1alpha1.StatePending, apparmor.ReasonWaitingForValidation)))
		Expect(kernelWith.loadsOf(name)).To(BeEmpty())

		setVerdict(p, metav1.ConditionTrue, "")
		Eventually(stateOn(p, nodeWith), timeout).Should(Equal(state(profilebasev1alpha1.StateInstalled, apparmor.ReasonInstalled)))
		Expect(kernelWith.loadsOf(name)).To(Equal([]string{policy}))
		// The load is in the node's status, not in an Event of its own:
		// the manager announces the profile once every node loaded it.
		Consistently(func() []eventsv1.Event {
			list := &eventsv1.EventList{}
			Expect(env.Client.List(ctx(), list, client.InNamespace(ns))).To(Succeed())
			return list.Items
		}, 2*time.Second).ShouldNot(ContainElement(And(HaveField("Type", "Normal"), HaveField("Regarding.Name", name))))
		Expect(updateCount()).To(BeNumerically(">=", 1))

		// An edit waits for its own verdict; the loaded copy stays.
		Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(p), p)).To(Succeed())
		p.Spec.Policy = strings.Replace(policy, "deny /** w,", "deny /tmp/** w,", 1)
		Expect(env.Client.Update(ctx(), p)).To(Succeed())
		Eventually(stateOn(p, nodeWith), timeout).Should(HavePrefix(state(profilebasev1alpha1.StatePending, apparmor.ReasonWaitingForValidation)))
		Expect(kernelWith.unloadsOf(name)).To(BeZero())
		Expect(kernelWith.loadsOf(name)).To(HaveLen(1))

		setVerdict(p, metav1.ConditionTrue, "")
		Eventually(kernelWith.loadsOf, timeout).WithArguments(name).Should(HaveLen(2))

		Expect(env.Client.Delete(ctx(), p)).To(Succeed())
		Eventually(kernelWith.unloadsOf, timeout).WithArguments(name).Should(Equal(1))
		Eventually(stateOn(p, nodeWith), timeout).Should(Equal("gone"))
	})

	It("keeps the profile loaded while a finalizer holds its deletion", func() {
		ns := newNamespace()
		const name = "held"
		p := createProfile(ns, name, policyFor(name))
		setVerdict(p, metav1.ConditionTrue, "")
		Eventually(stateOn(p, nodeWith), timeout).Should(Equal(state(profilebasev1alpha1.StateInstalled, apparmor.ReasonInstalled)))
		Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(p), p)).To(Succeed())
		p.Finalizers = append(p.Finalizers, "example.com/pods-use-it")
		Expect(env.Client.Update(ctx(), p)).To(Succeed())

		Expect(env.Client.Delete(ctx(), p)).To(Succeed())
		Eventually(stateOn(p, nodeWith), timeout).Should(HavePrefix(state(profilebasev1alpha1.StateTerminating, apparmor.ReasonTerminating)))
		Expect(kernelWith.unloadsOf(name)).To(BeZero())

		Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(p), p)).To(Succeed())
		p.Finalizers = nil
		Expect(env.Client.Update(ctx(), p)).To(Succeed())
		Eventually(kernelWith.unloadsOf, timeout).WithArguments(name).Should(Equal(1))
	})

	It("unloads a disabled profile", func() {
		ns := newNamespace()
		const name = "disabled"
		p := createProfile(ns, name, policyFor(name))
		setVerdict(p, metav1.ConditionTrue, "")
		Eventually(stateOn(p, nodeWith), timeout).Should(Equal(state(profilebasev1alpha1.StateInstalled, apparmor.ReasonInstalled)))

		Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(p), p)).To(Succeed())
		p.Spec.Disabled = true
		Expect(env.Client.Update(ctx(), p)).To(Succeed())
		Eventually(stateOn(p, nodeWith), timeout).Should(HavePrefix(state(profilebasev1alpha1.StateDisabled, apparmor.ReasonDisabled)))
		Expect(kernelWith.unloadsOf(name)).To(Equal(1))
	})

	It("loads nothing the manager refused, the node's own check refuses, or the kernel refuses", func() {
		ns := newNamespace()
		refused := createProfile(ns, "refused", policyFor("refused"))
		setVerdict(refused, metav1.ConditionFalse, "line 3: syntax error")
		// The manager let a policy through that declares another name.
		mismatch := createProfile(ns, "mismatch", policyFor("someone-else"))
		setVerdict(mismatch, metav1.ConditionTrue, "")
		failing := createProfile(ns, "failing", policyFor("failing")+failMarker+"\n")
		setVerdict(failing, metav1.ConditionTrue, "")

		Eventually(stateOn(refused, nodeWith), timeout).Should(And(
			HavePrefix(state(profilebasev1alpha1.StateError, apparmor.ReasonInvalid)), ContainSubstring("line 3: syntax error")))
		Eventually(stateOn(mismatch, nodeWith), timeout).Should(And(
			HavePrefix(state(profilebasev1alpha1.StateError, apparmor.ReasonInvalid)), ContainSubstring(internalapparmor.ReasonNameMismatch)))
		Eventually(stateOn(failing, nodeWith), timeout).Should(And(
			HavePrefix(state(profilebasev1alpha1.StateError, apparmor.ReasonCannotLoad)), ContainSubstring("kernel refused")))
		Expect(kernelWith.loadsOf("refused")).To(BeEmpty())
		Expect(kernelWith.loadsOf("someone-else")).To(BeEmpty())
		Eventually(func() []eventsv1.Event {
			list := &eventsv1.EventList{}
			Expect(env.Client.List(ctx(), list, client.InNamespace(ns))).To(Succeed())
			return list.Items
		}, timeout).Should(ContainElement(And(
			HaveField("Reason", apparmor.ReasonCannotLoad), HaveField("Type", "Warning"), HaveField("Regarding.Name", "failing"),
			HaveField("Note", HavePrefix("Not loaded on node "+nodeWith+": ")))))
	})
})

// updateCount reads apparmor_profile_total{operation="update"} from the
// registry the daemon serves.
func updateCount() float64 {
	GinkgoHelper()
	families, err := metrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	for _, f := range families {
		if f.GetName() != "security_profiles_operator_apparmor_profile_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "operation" && l.GetValue() == "update" {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return -1
}
