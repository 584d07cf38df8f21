package binding_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	profilebindingv1alpha1 "github.com/securityprofiles/operator/apis/profilebinding/v1alpha1"
)

var _ = Describe("binding.spo.io with a podSelector", func() {
	It("binds only the pods whose labels match, the image binding ahead of the selector one", func(ctx SpecContext) {
		ns := newNamespace(ctx, bindingNS)
		teamPath := installedSeccompProfile(ctx, ns, "team-profile")
		nginxPath := installedSeccompProfile(ctx, ns, "nginx-team-profile")
		selectorBinding(ctx, ns, "team-a", "team-profile", "", map[string]string{"team": "a"})
		selectorBinding(ctx, ns, "team-a-nginx", "nginx-team-profile", nginx, map[string]string{"team": "a"})

		matching := newPod(ns, "team-a", container("web", nginx), container("cache", "redis:6.2.1"))
		matching.Labels = map[string]string{"team": "a"}
		pod := createWhen(ctx, matching, func(g Gomega, p *corev1.Pod) {
			g.Expect(seccompOf(&p.Spec.Containers[1])).To(Equal(teamPath))
		})
		Expect(seccompOf(&pod.Spec.Containers[0])).To(Equal(nginxPath))

		// The webhook answered for the matching pod above with both
		// bindings in its cache, so it leaves this one alone on purpose.
		other := newPod(ns, "team-b", container("web", nginx), container("cache", "redis:6.2.1"))
		other.Labels = map[string]string{"team": "b"}
		Expect(k8s.Create(ctx, other)).To(Succeed())
		Expect(other.Spec.Containers[0].SecurityContext).To(BeNil())
		Expect(other.Spec.Containers[1].SecurityContext).To(BeNil())
		Expect(other.Annotations).To(BeEmpty())
	})

	It("refuses a binding with neither image nor podSelector, and a malformed match expression", func(ctx SpecContext) {
		ns := newNamespace(ctx, bindingNS)
		b := &profilebindingv1alpha1.ProfileBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "nothing"}}
		b.Spec.ProfileRef = profilebindingv1alpha1.ProfileRef{Kind: profilebindingv1alpha1.ProfileKindSeccomp, Name: "p"}
		err := k8s.Create(ctx, b, client.DryRunAll)
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(ContainSubstring("set image, podSelector or both"))

		b.Spec.PodSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "team", Operator: metav1.LabelSelectorOpIn}}}
		err = k8s.Create(ctx, b, client.DryRunAll)
		Expect(err).To(HaveOccurred())
		Expect(err.Error()).To(ContainSubstring("operator must be In or NotIn with values"))

		b.Spec.PodSelector.MatchExpressions[0].Values = []string{"a"}
		Expect(k8s.Create(ctx, b, client.DryRunAll)).To(Succeed())
	})
})

// selectorBinding creates a seccomp binding selecting pods by labels,
// for image ("" for every container).
func selectorBinding(ctx SpecContext, ns, name, profile, image string, selector map[string]string) {
	b := &profilebindingv1alpha1.ProfileBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: profilebindingv1alpha1.ProfileBindingSpec{
			ProfileRef:  profilebindingv1alpha1.ProfileRef{Kind: profilebindingv1alpha1.ProfileKindSeccomp, Name: profile},
			Image:       image,
			PodSelector: &metav1.LabelSelector{MatchLabels: selector},
		},
	}
	Expect(k8s.Create(ctx, b)).To(Succeed())
}
