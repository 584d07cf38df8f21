package binding_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	profilebindingv1alpha1 "github.com/securityprofiles/operator/apis/profilebinding/v1alpha1"
	"github.com/securityprofiles/operator/webhooks/binding"
)

const nginx = "nginx:1.19.1"

var _ = Describe("binding.spo.io", func() {
	It("applies the manual's nginx-binding example and lists the pod in the binding's status", func(ctx SpecContext) {
		ns := newNamespace(ctx, bindingNS)
		path := installedSeccompProfile(ctx, ns, "profile-complain")
		b := newBinding(ctx, ns, "nginx-binding", profilebindingv1alpha1.ProfileKindSeccomp, "profile-complain", nginx)

		pod := createWhen(ctx, newPod(ns, "test-pod", container("test-container", nginx)), func(g Gomega, p *corev1.Pod) {
			g.Expect(seccompOf(&p.Spec.Containers[0])).To(Equal(path))
		})
		Expect(pod.Spec.Containers[0].SecurityContext.SeccompProfile.Type).To(Equal(corev1.SeccompProfileTypeLocalhost))

		Eventually(func(g Gomega) []string {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(b), b)).To(Succeed())
			return b.Status.ActiveWorkloads
		}).WithTimeout(timeout).WithPolling(interval).Should(Equal([]string{ns + "/test-pod"}))

		Expect(k8s.Delete(ctx, pod)).To(Succeed())
		Eventually(func(g Gomega) []string {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(b), b)).To(Succeed())
			return b.Status.ActiveWorkloads
		}).WithTimeout(timeout).WithPolling(interval).Should(BeEmpty())
	})

	It("leaves pods in an unlabelled namespace untouched, without calling the webhook", func(ctx SpecContext) {
		ns := newNamespace(ctx, nil)
		installedSeccompProfile(ctx, ns, "profile-complain")
		newBinding(ctx, ns, "nginx-binding", profilebindingv1alpha1.ProfileKindSeccomp, "profile-complain", nginx)
		before, err := suite.Requests()
		Expect(err).NotTo(HaveOccurred())

		pod := newPod(ns, "test-pod", container("test-container", nginx))
		Expect(k8s.Create(ctx, pod)).To(Succeed())
		Expect(pod.Spec.Containers[0].SecurityContext).To(BeNil())
		Expect(suite.Requests()).To(Equal(before))
	})

	It(`binds "*" to every container without its own profile`, func(ctx SpecContext) {
		ns := newNamespace(ctx, bindingNS)
		path := installedSeccompProfile(ctx, ns, "default-profile")
		newBinding(ctx, ns, "all-images", profilebindingv1alpha1.ProfileKindSeccomp, "default-profile", profilebindingv1alpha1.SelectAllImages)
		own := container("own", "redis:6.2.1")
		own.SecurityContext = &corev1.SecurityContext{SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}}

		pod := createWhen(ctx, newPod(ns, "star", container("web", nginx), own), func(g Gomega, p *corev1.Pod) {
			g.Expect(seccompOf(&p.Spec.Containers[0])).To(Equal(path))
		})
		Expect(seccompOf(&pod.Spec.Containers[1])).To(Equal("RuntimeDefault"))
	})

	It("binds init containers and two containers with different images to their own profiles", func(ctx SpecContext) {
		ns := newNamespace(ctx, bindingNS)
		nginxPath := installedSeccompProfile(ctx, ns, "nginx-profile")
		redisPath := installedSeccompProfile(ctx, ns, "redis-profile")
		newBinding(ctx, ns, "nginx-binding", profilebindingv1alpha1.ProfileKindSeccomp, "nginx-profile", nginx)
		newBinding(ctx, ns, "redis-binding", profilebindingv1alpha1.ProfileKindSeccomp, "redis-profile", "redis:6.2.1")
		p := newPod(ns, "two", container("web", nginx), container("cache", "redis:6.2.1"))
		p.Spec.InitContainers = []corev1.Container{container("init", nginx)}

		pod := createWhen(ctx, p, func(g Gomega, p *corev1.Pod) {
			g.Expect(seccompOf(&p.Spec.Containers[0])).To(Equal(nginxPath))
			g.Expect(seccompOf(&p.Spec.Containers[1])).To(Equal(redisPath))
		})
		Expect(seccompOf(&pod.Spec.InitContainers[0])).To(Equal(nginxPath))
		Expect(seccompOf(&pod.Spec.Containers[0])).To(Equal(nginxPath))
		Expect(seccompOf(&pod.Spec.Containers[1])).To(Equal(redisPath))
	})

	It("replaces a different profile the container sets itself, with a warning", func(ctx SpecContext) {
		ns := newNamespace(ctx, bindingNS)
		path := installedSeccompProfile(ctx, ns, "profile-complain")
		newBinding(ctx, ns, "nginx-binding", profilebindingv1alpha1.ProfileKindSeccomp, "profile-complain", nginx)
		c := container("test-container", nginx)
		c.SecurityContext = &corev1.SecurityContext{SeccompProfile: localhost("operator/" + ns + "/other.json")}

		createWhen(ctx, newPod(ns, "own-profile", c), func(g Gomega, p *corev1.Pod) {
			g.Expect(seccompOf(&p.Spec.Containers[0])).To(Equal(path))
		})
		Expect(warnings.Take()).To(ContainElement(ContainSubstring("ProfileBinding nginx-binding replaces its own seccomp profile Localhost operator/" + ns + "/other.json")))
	})

	It("binds a SelinuxProfile through its status.usage", func(ctx SpecContext) {
		ns := newNamespace(ctx, bindingNS)
		usage := installedSelinuxProfile(ctx, ns, "nginx-secure")
		newBinding(ctx, ns, "nginx-selinux", profilebindingv1alpha1.ProfileKindSelinux, "nginx-secure", nginx)

		pod := createWhen(ctx, newPod(ns, "selinux", container("nginx", nginx)), func(g Gomega, p *corev1.Pod) {
			g.Expect(p.Spec.Containers[0].SecurityContext).NotTo(BeNil())
			g.Expect(p.Spec.Containers[0].SecurityContext.SELinuxOptions).NotTo(BeNil())
		})
		Expect(pod.Spec.Containers[0].SecurityContext.SELinuxOptions.Type).To(Equal(usage))
	})

	It("applies bindings to a missing seccomp and a Pending SelinuxProfile and holds the pod, but never binds a RawSelinuxProfile's type, with a Warning and an Event", func(ctx SpecContext) {
		ns := newNamespace(ctx, bindingNS)
		newBinding(ctx, ns, "missing", profilebindingv1alpha1.ProfileKindSeccomp, "does-not-exist", nginx)
		newBinding(ctx, ns, "pending", profilebindingv1alpha1.ProfileKindSelinux, "pending-profile", nginx)
		Expect(k8s.Create(ctx, selinuxProfile(ns, "pending-profile"))).To(Succeed())
		raw := newBinding(ctx, ns, "raw-name", profilebindingv1alpha1.ProfileKindSelinux, "raw", "redis:6.2.1")
		rawSelinuxProfile(ctx, ns, "raw")

		Eventually(func(g Gomega) {
			dry := newPod(ns, "held", container("nginx", nginx), container("redis", "redis:6.2.1"))
			g.Expect(k8s.Create(ctx, dry, client.DryRunAll)).To(Succeed())
			g.Expect(seccompOf(&dry.Spec.Containers[0])).To(Equal("operator/" + ns + "/does-not-exist.json"))
			// status.usage is not written yet: the type is known anyway.
			g.Expect(selinuxTypeOf(&dry.Spec.Containers[0])).To(Equal("pending-profile_" + ns + ".process"))
			g.Expect(dry.Spec.Containers[1].SecurityContext).To(BeNil())
			g.Expect(dry.Spec.SchedulingGates).To(ConsistOf(corev1.PodSchedulingGate{Name: keys.ProfilesInstalledGate}))
			g.Expect(warnings.Take()).To(ConsistOf(
				"pod waits at scheduling gate "+keys.ProfilesInstalledGate+" until its profiles are Installed: SeccompProfile "+ns+"/does-not-exist (does not exist), SelinuxProfile "+ns+"/pending-profile (Pending)",
				"ProfileBinding raw-name not applied: SelinuxProfile "+ns+"/raw does not exist (a RawSelinuxProfile does, which cannot be bound)",
			))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		Eventually(func(g Gomega) []string {
			list := &eventsv1.EventList{}
			g.Expect(k8s.List(ctx, list, client.InNamespace(ns))).To(Succeed())
			var reasons []string
			for _, e := range list.Items {
				reasons = append(reasons, e.Regarding.Name+"/"+e.Reason)
			}
			return reasons
		}).WithTimeout(timeout).WithPolling(interval).Should(ConsistOf(raw.Name + "/" + binding.ReasonProfileNotFound))
	})

	It("refuses a binding to a RawSelinuxProfile with a clear message", func(ctx SpecContext) {
		ns := newNamespace(ctx, bindingNS)
		b := &profilebindingv1alpha1.ProfileBinding{}
		b.Namespace, b.Name = ns, "raw"
		b.Spec.ProfileRef = profilebindingv1alpha1.ProfileRef{Kind: "RawSelinuxProfile", Name: "raw"}
		b.Spec.Image = nginx
		err := k8s.Create(ctx, b)
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(And(ContainSubstring("spec.profileRef.kind"), ContainSubstring(`"RawSelinuxProfile"`), ContainSubstring(`"SeccompProfile", "SelinuxProfile", "AppArmorProfile"`)))
	})
})
