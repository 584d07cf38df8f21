package binding_test

import (
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"gomodules.xyz/jsonpatch/v2"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"

	profilebindingv1alpha1 "github.com/securityprofiles/operator/apis/profilebinding/v1alpha1"
	"github.com/securityprofiles/operator/internal/podpatch"
	"github.com/securityprofiles/operator/internal/webhookconfig"
	"github.com/securityprofiles/operator/webhooks/binding"
)

var _ = Describe("binding.spo.io restricted to the namespaces a restricted manager watches", func() {
	// The webhook binary's wiring: a cache restricted to the watched and
	// the operator's namespace, and Options.Namespaces naming the same.
	// Only the cache is started; requests go straight to the handler
	// Setup registered.
	It("admits a pod elsewhere unchanged although a binding there matches it, and binds in the watched namespace", func(ctx SpecContext) {
		watched, other := newNamespace(ctx, bindingNS), newNamespace(ctx, bindingNS)
		for _, ns := range []string{watched, other} {
			installedSeccompProfile(ctx, ns, "profile-complain")
			newBinding(ctx, ns, "nginx-binding", profilebindingv1alpha1.ProfileKindSeccomp, "profile-complain", nginx)
		}
		namespaces := []string{watched, "security-profiles-operator"}
		h, err := suite.NewRestrictedHandler(ctx, webhookconfig.BindingPath, namespaces, binding.Options{Namespaces: namespaces}.Setup)
		Expect(err).NotTo(HaveOccurred())
		admit := func(pod *corev1.Pod) *admissionv1.AdmissionResponse {
			r, err := h.Admit(pod)
			Expect(err).NotTo(HaveOccurred())
			return r
		}

		// Without the handler's check the restricted cache could not list
		// other's bindings: an internal error, and with failurePolicy
		// Fail a refused pod.
		elsewhere := admit(newPod(other, "nginx", container("nginx", nginx)))
		Expect(elsewhere.Allowed).To(BeTrue(), "%+v", elsewhere.Result)
		Expect(elsewhere.Patch).To(BeEmpty())

		pod := newPod(watched, "nginx", container("nginx", nginx))
		inWatched := admit(pod)
		Expect(inWatched.Allowed).To(BeTrue(), "%+v", inWatched.Result)
		Expect(inWatched.Patch).NotTo(BeEmpty())
		var ops []jsonpatch.JsonPatchOperation
		Expect(json.Unmarshal(inWatched.Patch, &ops)).To(Succeed())
		bound, err := podpatch.Apply(pod, ops)
		Expect(err).NotTo(HaveOccurred())
		Expect(seccompOf(&bound.Spec.Containers[0])).To(Equal("operator/" + watched + "/profile-complain.json"))
	})
})
