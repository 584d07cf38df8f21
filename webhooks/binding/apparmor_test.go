package binding_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	profilebindingv1alpha1 "github.com/securityprofiles/operator/apis/profilebinding/v1alpha1"
)

// manualAnnotation is the annotation the user manual puts on a pod's
// container test-container.
const manualAnnotation = corev1.DeprecatedAppArmorBetaContainerAnnotationKeyPrefix + "test-container"

// manualPod is the manual's pod: test-container with the bare profile
// name as its AppArmor annotation.
func manualPod(ns, profile string) *corev1.Pod {
	p := newPod(ns, "manual", container("test-container", nginx))
	p.Annotations = map[string]string{manualAnnotation: profile}
	return p
}

var _ = Describe("binding.spo.io with AppArmor", func() {
	It("binds an AppArmorProfile through the container's appArmorProfile field", func(ctx SpecContext) {
		ns := newNamespace(ctx, bindingNS)
		appArmorProfile(ctx, ns, "test-profile", true)
		newBinding(ctx, ns, "nginx-apparmor", profilebindingv1alpha1.ProfileKindAppArmor, "test-profile", nginx)

		pod := createWhen(ctx, newPod(ns, "bound", container("nginx", nginx), container("redis", "redis:6.2.1")), func(g Gomega, p *corev1.Pod) {
			g.Expect(appArmorOf(&p.Spec.Containers[0])).To(Equal("Localhost/test-profile"))
		})
		Expect(appArmorOf(&pod.Spec.Containers[0])).To(Equal("Localhost/test-profile"))
		Expect(pod.Spec.Containers[1].SecurityContext).To(BeNil())
		Expect(pod.Annotations).To(HaveKeyWithValue(keys.BindingsAnnotation, "nginx-apparmor"))
		Expect(pod.Spec.SchedulingGates).To(BeEmpty())
	})

	It("applies a binding to an AppArmorProfile that does not exist yet and holds the pod, as for seccomp", func(ctx SpecContext) {
		ns := newNamespace(ctx, bindingNS)
		newBinding(ctx, ns, "later", profilebindingv1alpha1.ProfileKindAppArmor, "later", nginx)
		Eventually(func(g Gomega) {
			dry := newPod(ns, "held", container("nginx", nginx))
			g.Expect(k8s.Create(ctx, dry, client.DryRunAll)).To(Succeed())
			g.Expect(appArmorOf(&dry.Spec.Containers[0])).To(Equal("Localhost/later"))
			g.Expect(dry.Spec.SchedulingGates).To(ConsistOf(gate))
			g.Expect(warnings.Take()).To(ConsistOf("pod waits at scheduling gate " + keys.ProfilesInstalledGate +
				" until its profiles are Installed: AppArmorProfile " + ns + "/later (does not exist)"))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	})

	It("completes the manual's bare annotation, which the API server alone refuses", func(ctx SpecContext) {
		plain := newNamespace(ctx, nil)
		appArmorProfile(ctx, plain, "test-profile", true)
		Expect(k8s.Create(ctx, manualPod(plain, "test-profile"))).To(MatchError(ContainSubstring(`invalid AppArmor profile name: "test-profile"`)))

		ns := newNamespace(ctx, bindingNS)
		appArmorProfile(ctx, ns, "test-profile", true)
		pod := createWhen(ctx, manualPod(ns, "test-profile"), func(g Gomega, p *corev1.Pod) {
			g.Expect(p.Annotations).To(HaveKeyWithValue(manualAnnotation, "localhost/test-profile"))
		})
		Expect(pod.Annotations).To(HaveKeyWithValue(manualAnnotation, "localhost/test-profile"))
		Expect(appArmorOf(&pod.Spec.Containers[0])).To(Equal("Localhost/test-profile"))
		Expect(pod.Spec.SchedulingGates).To(BeEmpty())
		Expect(warnings.Take()).To(BeEmpty())
	})

	It("leaves a bare name that names no AppArmorProfile to the API server, with a warning", func(ctx SpecContext) {
		ns := newNamespace(ctx, bindingNS)
		// The warning proves the webhook saw the pod before the API server
		// refused it with its own message; until the webhook configuration
		// another spec changed is back, it may not have.
		Eventually(func(g Gomega) {
			err := k8s.Create(ctx, manualPod(ns, "no-such-profile"), client.DryRunAll)
			g.Expect(err).To(MatchError(ContainSubstring(`invalid AppArmor profile name: "no-such-profile"`)))
			g.Expect(warnings.Take()).To(ContainElement(`container "test-container": annotation ` + manualAnnotation +
				` names "no-such-profile", but there is no AppArmorProfile "no-such-profile" in the pod's namespace; ` +
				`the API server accepts only localhost/<profile>, runtime/default or unconfined`))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	})
})
