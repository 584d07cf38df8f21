package podgate_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/controllers/podgate"
	"github.com/securityprofiles/operator/internal/podprofiles"
)

const (
	releasesMetric = "security_profiles_operator_pod_gate_releases_total"
	gatedMetric    = "security_profiles_operator_pods_gated"
)

var _ = Describe("Pod gate", func() {
	It("holds a pod on a Pending profile and releases only its own gate once the profile is Installed", func() {
		ns := newNamespace()
		sp := newProfile(ns, "pending")
		releases := metric(releasesMetric)
		pod := newGatedPod(ns, "app", sp, "", otherGate)

		Eventually(condition(pod), timeout).Should(held(podgate.ReasonNotInstalled, "SeccompProfile "+ns+"/pending is Pending"))
		Expect(gates(pod)(Default)).To(Equal([]string{keys.ProfilesInstalledGate, otherGate}))
		Eventually(events(pod, corev1.EventTypeWarning, podgate.ReasonNotInstalled), timeout).Should(Equal(1))
		Expect(metric(gatedMetric)).To(BeNumerically(">=", 1))

		setState(sp, profilebasev1alpha1.StateInstalled, "Installed", "installed on all 3 node(s)")
		Eventually(gates(pod), timeout).Should(Equal([]string{otherGate}))
		Expect(condition(pod)(Default)).To(released(podgate.ReasonInstalled))
		Eventually(notes(pod, podgate.ReasonInstalled), timeout).Should(
			Equal([]string{"Released: every profile the pod uses is installed"}))
		Expect(events(pod, corev1.EventTypeNormal, podgate.ReasonInstalled)(Default)).To(Equal(1))
		Expect(metric(releasesMetric)).To(Equal(releases + 1))
	})

	It("reports a missing profile and releases the pod once it is created and Installed", func() {
		ns := newNamespace()
		missing := &seccompprofilev1beta1.SeccompProfile{}
		missing.Namespace, missing.Name = ns, "missing"
		pod := newGatedPod(ns, "app", missing, "")
		Eventually(condition(pod), timeout).Should(held(podgate.ReasonNotFound, "SeccompProfile "+ns+"/missing does not exist"))

		sp := newProfile(ns, "missing")
		Eventually(condition(pod), timeout).Should(held(podgate.ReasonNotInstalled, "is Pending"))
		setState(sp, profilebasev1alpha1.StateInstalled, "Installed", "")
		Eventually(gates(pod), timeout).Should(BeEmpty())
		Expect(condition(pod)(Default)).To(released(podgate.ReasonInstalled))
	})

	It("names the state and Ready reason of a profile in Error", func() {
		ns := newNamespace()
		sp := newProfile(ns, "bad")
		setState(sp, profilebasev1alpha1.StateError, "InvalidSeccompProfile", "unknown syscall notasyscall")
		pod := newGatedPod(ns, "app", sp, "")
		Eventually(condition(pod), timeout).Should(held(podgate.ReasonError,
			"SeccompProfile "+ns+"/bad is Error: InvalidSeccompProfile: unknown syscall notasyscall"))
		Eventually(events(pod, corev1.EventTypeWarning, podgate.ReasonError), timeout).Should(Equal(1))
		Expect(gates(pod)(Default)).To(ConsistOf(keys.ProfilesInstalledGate))
	})

	It("waits for both the pod-level and the container-level profile", func() {
		ns := newNamespace()
		podLevel := newProfile(ns, "pod-level")
		container := newProfile(ns, "container")
		// The container uses the audit-mode copy: it still waits for its profile.
		pod := newGatedPod(ns, "app", podLevel, podprofiles.AuditLocalhostPath(ns, "container"))
		Eventually(condition(pod), timeout).Should(held(podgate.ReasonNotInstalled,
			"SeccompProfile "+ns+"/container is Pending; SeccompProfile "+ns+"/pod-level is Pending"))

		setState(podLevel, profilebasev1alpha1.StateInstalled, "Installed", "")
		Eventually(condition(pod), timeout).Should(HaveField("Message", Equal("SeccompProfile "+ns+"/container is Pending")))
		Consistently(gates(pod), time.Second).Should(ConsistOf(keys.ProfilesInstalledGate))

		setState(container, profilebasev1alpha1.StateInstalled, "Installed", "")
		Eventually(gates(pod), timeout).Should(BeEmpty())
	})

	// Serial: spod is cluster-wide, every other spec expects gating on.
	It("releases held pods when spod turns scheduling gates off", Serial, func() {
		ns := newNamespace()
		sp := newProfile(ns, "pending")
		pod := newGatedPod(ns, "app", sp, "")
		Eventually(condition(pod), timeout).Should(held(podgate.ReasonNotInstalled, "is Pending"))

		DeferCleanup(func() {
			setSchedulingGates(true)
			// The next spec starts only once the controller holds pods again.
			probe := newGatedPod(ns, "probe", sp, "")
			Eventually(condition(probe), timeout).Should(held(podgate.ReasonNotInstalled, "is Pending"))
		})
		setSchedulingGates(false)
		Eventually(gates(pod), timeout).Should(BeEmpty())
		Expect(condition(pod)(Default)).To(released(podgate.ReasonGatesDisabled))
	})

	It("does not repeat the Warning Event when nothing changed", func() {
		ns := newNamespace()
		sp := newProfile(ns, "pending")
		pod := newGatedPod(ns, "app", sp, "")
		Eventually(events(pod, corev1.EventTypeWarning, podgate.ReasonNotInstalled), timeout).Should(Equal(1))

		// Each profile update queues the pod again.
		for i := range 3 {
			Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(sp), sp)).To(Succeed())
			sp.Labels = map[string]string{"touch": string(rune('a' + i))}
			Expect(env.Client.Update(ctx(), sp)).To(Succeed())
		}
		Consistently(events(pod, corev1.EventTypeWarning, podgate.ReasonNotInstalled), 2*time.Second).Should(Equal(1))
	})
})

// setSchedulingGates sets spod's enableSchedulingGates.
func setSchedulingGates(on bool) {
	Eventually(func() error {
		spod := &spodv1alpha1.SecurityProfilesOperatorDaemon{}
		if err := env.Client.Get(ctx(), types.NamespacedName{Namespace: operatorNamespace, Name: spodv1alpha1.Name}, spod); err != nil {
			return err
		}
		spod.Spec.EnableSchedulingGates = ptr.To(on)
		return env.Client.Update(ctx(), spod)
	}, timeout).Should(Succeed())
}
