package recording_test

import (
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"gomodules.xyz/jsonpatch/v2"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/securityprofiles/operator/apis/keys"
	profilerecordingv1alpha1 "github.com/securityprofiles/operator/apis/profilerecording/v1alpha1"
	"github.com/securityprofiles/operator/internal/podpatch"
	"github.com/securityprofiles/operator/internal/webhookconfig"
	"github.com/securityprofiles/operator/webhooks/recording"
)

var _ = Describe("recording.spo.io restricted to the namespaces a restricted manager watches", func() {
	// The webhook binary's wiring: a cache restricted to the watched and
	// the operator's namespace, and Options.Namespaces naming the same.
	// Only the cache is started; requests go straight to the handler
	// Setup registered.
	It("admits a pod elsewhere unchanged although a recording there selects it, and marks it in the watched namespace", func(ctx SpecContext) {
		watched, other := newNamespace(ctx, recordingNS), newNamespace(ctx, recordingNS)
		for _, ns := range []string{watched, other} {
			newRecording(ctx, ns, "test-recording", profilerecordingv1alpha1.RecordingKindSeccomp, profilerecordingv1alpha1.RecorderLogs)
		}
		namespaces := []string{watched, "security-profiles-operator"}
		h, err := suite.NewRestrictedHandler(ctx, webhookconfig.RecordingPath, namespaces, recording.Options{Namespaces: namespaces}.Setup)
		Expect(err).NotTo(HaveOccurred())
		admit := func(pod *corev1.Pod) *admissionv1.AdmissionResponse {
			r, err := h.Admit(pod)
			Expect(err).NotTo(HaveOccurred())
			return r
		}

		// Without the handler's check the restricted cache could not list
		// other's recordings: an internal error, and with failurePolicy
		// Fail a refused pod.
		elsewhere := admit(manualPod(other, "my-pod", myApp))
		Expect(elsewhere.Allowed).To(BeTrue(), "%+v", elsewhere.Result)
		Expect(elsewhere.Patch).To(BeEmpty())

		pod := manualPod(watched, "my-pod", myApp)
		inWatched := admit(pod)
		Expect(inWatched.Allowed).To(BeTrue(), "%+v", inWatched.Result)
		Expect(inWatched.Patch).NotTo(BeEmpty())
		var ops []jsonpatch.JsonPatchOperation
		Expect(json.Unmarshal(inWatched.Patch, &ops)).To(Succeed())
		marked, err := podpatch.Apply(pod, ops)
		Expect(err).NotTo(HaveOccurred())
		Expect(marked.Annotations).To(HaveKey(keys.RecordingAnnotationKey("nginx")))
	})
})
