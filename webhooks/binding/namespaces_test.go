package binding_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"gomodules.xyz/jsonpatch/v2"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

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
		skipNameValidation := true
		mgr, err := ctrl.NewManager(suite.Env.Config, ctrl.Options{
			Scheme:                 suite.Env.Scheme,
			Cache:                  cache.Options{DefaultNamespaces: map[string]cache.Config{namespaces[0]: {}, namespaces[1]: {}}},
			Metrics:                metricsserver.Options{BindAddress: "0"},
			HealthProbeBindAddress: "0",
			// The suite's manager registered the status controller already.
			Controller: config.Controller{SkipNameValidation: &skipNameValidation},
		})
		Expect(err).NotTo(HaveOccurred())
		Expect(binding.Options{Namespaces: namespaces}.Setup(ctx, mgr)).To(Succeed())
		go func() { _ = mgr.GetCache().Start(ctx) }()
		Expect(mgr.GetCache().WaitForCacheSync(ctx)).To(BeTrue())
		admit := func(pod *corev1.Pod) *admissionv1.AdmissionResponse {
			return serve(mgr.GetWebhookServer().WebhookMux(), pod)
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

// serve posts pod's creation to binding.spo.io on mux as the API server
// would and returns the answer.
func serve(mux *http.ServeMux, pod *corev1.Pod) *admissionv1.AdmissionResponse {
	raw, err := json.Marshal(pod)
	Expect(err).NotTo(HaveOccurred())
	review := admissionv1.AdmissionReview{
		TypeMeta: metav1.TypeMeta{APIVersion: admissionv1.SchemeGroupVersion.String(), Kind: "AdmissionReview"},
		Request: &admissionv1.AdmissionRequest{
			UID: types.UID("uid-" + pod.Namespace), Operation: admissionv1.Create, Namespace: pod.Namespace, Name: pod.Name,
			Kind:   metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
			Object: runtime.RawExtension{Raw: raw},
		},
	}
	body, err := json.Marshal(review)
	Expect(err).NotTo(HaveOccurred())
	req := httptest.NewRequest(http.MethodPost, webhookconfig.BindingPath, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	Expect(rec.Code).To(Equal(http.StatusOK), rec.Body.String())
	out := admissionv1.AdmissionReview{}
	Expect(json.Unmarshal(rec.Body.Bytes(), &out)).To(Succeed())
	return out.Response
}
