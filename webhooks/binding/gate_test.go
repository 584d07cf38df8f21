package binding_test

import (
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/securityprofiles/operator/apis/keys"
	profilebindingv1alpha1 "github.com/securityprofiles/operator/apis/profilebinding/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	"github.com/securityprofiles/operator/internal/podpatch"
	"github.com/securityprofiles/operator/webhooks/binding"
)

var gate = corev1.PodSchedulingGate{Name: keys.ProfilesInstalledGate}

// withLSM gives c an SELinux type and, unless empty, a Localhost AppArmor
// profile.
func withLSM(c corev1.Container, selinuxType, appArmor string) corev1.Container {
	c.SecurityContext = &corev1.SecurityContext{SELinuxOptions: &corev1.SELinuxOptions{Type: selinuxType}}
	if appArmor != "" {
		c.SecurityContext.AppArmorProfile = &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeLocalhost, LocalhostProfile: &appArmor}
	}
	return c
}

// pendingSeccompProfile creates a SeccompProfile no node reported on yet.
func pendingSeccompProfile(ctx SpecContext, ns, name string, labels map[string]string) {
	Expect(k8s.Create(ctx, &seccompprofilev1beta1.SeccompProfile{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Spec:       seccompprofilev1beta1.SeccompProfileSpec{DefaultAction: "SCMP_ACT_LOG"},
	})).To(Succeed())
}

var _ = Describe("binding.spo.io scheduling gate and audit mode", func() {
	It("never gates a pod whose profiles are all Installed", func(ctx SpecContext) {
		ns := newNamespace(ctx, bindingNS)
		path := installedSeccompProfile(ctx, ns, "ready")
		newBinding(ctx, ns, "bound", profilebindingv1alpha1.ProfileKindSeccomp, "ready", "redis:6.2.1")
		own := container("own", nginx)
		own.SecurityContext = &corev1.SecurityContext{SeccompProfile: localhost(path)}
		pod := createWhen(ctx, newPod(ns, "ready", own, container("bound", "redis:6.2.1")), func(g Gomega, p *corev1.Pod) {
			g.Expect(seccompOf(&p.Spec.Containers[1])).To(Equal(path))
		})
		Expect(pod.Spec.SchedulingGates).To(BeEmpty())
		Expect(warnings.Take()).To(BeEmpty())
	})

	It("holds a pod naming a Pending or partial profile itself, and leaves unlabelled namespaces alone", func(ctx SpecContext) {
		ns := newNamespace(ctx, bindingNS)
		pendingSeccompProfile(ctx, ns, "pending", nil)
		pendingSeccompProfile(ctx, ns, "partial", map[string]string{keys.PartialLabel: "true"})
		pod := newPod(ns, "waits", container("a", nginx))
		pod.Spec.SecurityContext = &corev1.PodSecurityContext{SeccompProfile: localhost("operator/" + ns + "/pending.json")}
		pod.Spec.InitContainers = []corev1.Container{container("init", nginx)}
		pod.Spec.InitContainers[0].SecurityContext = &corev1.SecurityContext{SeccompProfile: localhost("operator/" + ns + "/partial.json")}
		Eventually(func(g Gomega) {
			dry := pod.DeepCopy()
			g.Expect(k8s.Create(ctx, dry, client.DryRunAll)).To(Succeed())
			g.Expect(dry.Spec.SchedulingGates).To(ConsistOf(gate))
			g.Expect(warnings.Take()).To(ConsistOf("pod waits at scheduling gate " + keys.ProfilesInstalledGate +
				" until its profiles are Installed: SeccompProfile " + ns + "/partial (Partial), SeccompProfile " + ns + "/pending (Pending)"))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())

		other := newNamespace(ctx, nil)
		plain := newPod(other, "plain", container("a", nginx))
		plain.Spec.SecurityContext = &corev1.PodSecurityContext{SeccompProfile: localhost("operator/" + ns + "/pending.json")}
		Expect(k8s.Create(ctx, plain)).To(Succeed())
		Expect(plain.Spec.SchedulingGates).To(BeEmpty())
	})

	It("holds a pod whose own SELinux types and AppArmor profiles name profiles of ours that are not Installed, and only those", func(ctx SpecContext) {
		ns := newNamespace(ctx, bindingNS)
		Expect(k8s.Create(ctx, selinuxProfile(ns, "web"))).To(Succeed())
		rawSelinuxProfile(ctx, ns, "raw")
		appArmorProfile(ctx, ns, "aa", false)
		installedSelinuxProfile(ctx, ns, "ready")
		appArmorProfile(ctx, ns, "ready", true)
		pod := newPod(ns, "waits",
			withLSM(container("a", nginx), "web_"+ns+".process", ""),
			withLSM(container("b", nginx), "raw_"+ns+".process", "aa"),
			withLSM(container("c", nginx), "ready_"+ns+".process", "ready"),
			// Types and profiles of no object of ours: the nodes' own.
			withLSM(container("d", nginx), "spc_t", "node-own"),
			withLSM(container("e", nginx), "gone_"+ns+".process", ""))
		Eventually(func(g Gomega) {
			dry := pod.DeepCopy()
			g.Expect(k8s.Create(ctx, dry, client.DryRunAll)).To(Succeed())
			g.Expect(dry.Spec.SchedulingGates).To(ConsistOf(gate))
			g.Expect(warnings.Take()).To(ConsistOf("pod waits at scheduling gate " + keys.ProfilesInstalledGate + " until its profiles are Installed: " +
				"AppArmorProfile " + ns + "/aa (Pending), RawSelinuxProfile " + ns + "/raw (Pending), SelinuxProfile " + ns + "/web (Pending)"))
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	})

	It("never gates a pod running as spc_t or container_t, or under a node's own AppArmor profile", func(ctx SpecContext) {
		ns := newNamespace(ctx, bindingNS)
		pod := newPod(ns, "system", withLSM(container("a", nginx), "spc_t", "node-own"), withLSM(container("b", nginx), "container_t", ""))
		warnings.Take()
		Expect(k8s.Create(ctx, pod)).To(Succeed())
		Expect(pod.Spec.SchedulingGates).To(BeEmpty())
		Expect(warnings.Take()).To(BeEmpty())
	})

	It("binds the profile's audit copy in mode Audit and labels the pod for the node daemon's cache", func(ctx SpecContext) {
		ns := newNamespace(ctx, bindingNS)
		installedSeccompProfile(ctx, ns, "audited")
		b := &profilebindingv1alpha1.ProfileBinding{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "audit"},
			Spec: profilebindingv1alpha1.ProfileBindingSpec{
				ProfileRef: profilebindingv1alpha1.ProfileRef{Kind: profilebindingv1alpha1.ProfileKindSeccomp, Name: "audited"},
				Image:      nginx,
				Mode:       profilebindingv1alpha1.ModeAudit,
			},
		}
		Expect(k8s.Create(ctx, b)).To(Succeed())
		pod := createWhen(ctx, newPod(ns, "audited", container("a", nginx)), func(g Gomega, p *corev1.Pod) {
			g.Expect(seccompOf(&p.Spec.Containers[0])).To(Equal("operator/" + ns + "/audit/audited.json"))
		})
		Expect(pod.Labels).To(HaveKeyWithValue(keys.EnableRecordingLabel, "true"))
		Expect(pod.Spec.SchedulingGates).To(BeEmpty())
	})

	It("refuses mode Audit on a SelinuxProfile binding", func(ctx SpecContext) {
		ns := newNamespace(ctx, bindingNS)
		b := &profilebindingv1alpha1.ProfileBinding{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "audit-selinux"},
			Spec: profilebindingv1alpha1.ProfileBindingSpec{
				ProfileRef: profilebindingv1alpha1.ProfileRef{Kind: profilebindingv1alpha1.ProfileKindSelinux, Name: "x"},
				Image:      nginx,
				Mode:       profilebindingv1alpha1.ModeAudit,
			},
		}
		Expect(k8s.Create(ctx, b)).To(MatchError(ContainSubstring("mode Audit applies only to SeccompProfile bindings")))
	})

	It("admits the pod ungated when spod's enableSchedulingGates is false, or outside the namespaces a restricted manager watches", func(ctx SpecContext) {
		ns := newNamespace(ctx, bindingNS)
		pendingSeccompProfile(ctx, ns, "later", nil)
		newBinding(ctx, ns, "later", profilebindingv1alpha1.ProfileKindSeccomp, "later", nginx)
		pod := newPod(ns, "direct", container("a", nginx))
		raw, err := json.Marshal(pod)
		Expect(err).NotTo(HaveOccurred())
		req := admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
			Operation: admissionv1.Create, Namespace: ns, Name: pod.Name,
			Kind:   metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
			Object: runtime.RawExtension{Raw: raw},
		}}
		decide := func(gates bool, namespaces ...string) *corev1.Pod {
			h := &binding.Handler{Reader: suite.Env.Client, Gates: gates, GateNamespaces: namespaces}
			resp := h.Handle(ctx, req)
			Expect(resp.Allowed).To(BeTrue())
			out, err := podpatch.Apply(pod, resp.Patches)
			Expect(err).NotTo(HaveOccurred())
			return out
		}
		held := decide(true)
		Expect(held.Spec.SchedulingGates).To(ConsistOf(gate))
		Expect(seccompOf(&held.Spec.Containers[0])).To(Equal("operator/" + ns + "/later.json"))
		admitted := decide(false)
		Expect(admitted.Spec.SchedulingGates).To(BeEmpty())
		Expect(admitted.Spec.Containers[0].SecurityContext).To(BeNil(), "without gates a binding to a Pending profile is not applied")
		// A manager restricted to other namespaces would never release it.
		Expect(decide(true, "team-a", "security-profiles-operator").Spec.SchedulingGates).To(BeEmpty())
		Expect(decide(true, ns).Spec.SchedulingGates).To(ConsistOf(gate))
	})
})
