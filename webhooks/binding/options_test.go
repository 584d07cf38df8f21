package binding_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	profilebindingv1alpha1 "github.com/securityprofiles/operator/apis/profilebinding/v1alpha1"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/internal/webhookconfig"
)

var _ = Describe("binding.spo.io configuration", func() {
	ignore := admissionregistrationv1.Ignore

	// restoreDefaults puts the default configuration and a running server
	// back for the next spec.
	restoreDefaults := func() {
		DeferCleanup(func(ctx SpecContext) {
			Expect(suite.EnsureServing()).To(Succeed())
			Expect(suite.Configure(ctx, nil)).To(Succeed())
		})
	}

	It("follows spod webhookOptions: failurePolicy Ignore and a namespaceSelector change who is mutated", func(ctx SpecContext) {
		restoreDefaults()
		Expect(suite.Configure(ctx, []spodv1alpha1.WebhookOptions{{
			Name:              spodv1alpha1.BindingWebhookName,
			FailurePolicy:     &ignore,
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"spo.x-k8s.io/bind-here": "true"}},
		}})).To(Succeed())
		mwc := &admissionregistrationv1.MutatingWebhookConfiguration{}
		Expect(k8s.Get(ctx, client.ObjectKey{Name: webhookconfig.Name}, mwc)).To(Succeed())
		Expect(*mwc.Webhooks[0].FailurePolicy).To(Equal(ignore))

		optedIn := newNamespace(ctx, map[string]string{"spo.x-k8s.io/bind-here": "true"})
		labelledOnly := newNamespace(ctx, bindingNS)
		for _, ns := range []string{optedIn, labelledOnly} {
			installedSeccompProfile(ctx, ns, "profile-complain")
			newBinding(ctx, ns, "nginx-binding", profilebindingv1alpha1.ProfileKindSeccomp, "profile-complain", nginx)
		}

		// Once a pod in the opted-in namespace is mutated, the API server
		// uses the new selector; the default label alone no longer counts.
		createWhen(ctx, newPod(optedIn, "opted-in", container("nginx", nginx)), func(g Gomega, p *corev1.Pod) {
			g.Expect(seccompOf(&p.Spec.Containers[0])).To(Equal("operator/" + optedIn + "/profile-complain.json"))
		})
		before, err := suite.Requests()
		Expect(err).NotTo(HaveOccurred())
		pod := newPod(labelledOnly, "not-selected", container("nginx", nginx))
		Expect(k8s.Create(ctx, pod)).To(Succeed())
		Expect(pod.Spec.Containers[0].SecurityContext).To(BeNil())
		Expect(suite.Requests()).To(Equal(before))
	})

	It("admits pods unchanged while the webhook server is down and failurePolicy is Ignore", func(ctx SpecContext) {
		restoreDefaults()
		ns := newNamespace(ctx, bindingNS)
		path := installedSeccompProfile(ctx, ns, "profile-complain")
		newBinding(ctx, ns, "nginx-binding", profilebindingv1alpha1.ProfileKindSeccomp, "profile-complain", nginx)
		createWhen(ctx, newPod(ns, "served", container("nginx", nginx)), func(g Gomega, p *corev1.Pod) {
			g.Expect(seccompOf(&p.Spec.Containers[0])).To(Equal(path))
		})

		Expect(suite.Configure(ctx, []spodv1alpha1.WebhookOptions{{Name: spodv1alpha1.BindingWebhookName, FailurePolicy: &ignore}})).To(Succeed())
		Expect(suite.StopServer()).To(Succeed())
		var pod *corev1.Pod
		Eventually(func() error {
			pod = &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, GenerateName: "unserved-"}, Spec: corev1.PodSpec{Containers: []corev1.Container{container("nginx", nginx)}}}
			return k8s.Create(ctx, pod)
		}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
		Expect(pod.Spec.Containers[0].SecurityContext).To(BeNil())

		// The same outage with the default failurePolicy Fail refuses
		// pods: proof that the server really was down.
		Expect(suite.Configure(ctx, nil)).To(Succeed())
		Eventually(func() error {
			return k8s.Create(ctx, newPod(ns, "refused", container("nginx", nginx)), client.DryRunAll)
		}).WithTimeout(timeout).WithPolling(interval).Should(MatchError(ContainSubstring(`failed calling webhook "binding.spo.io"`)))
	})
})
