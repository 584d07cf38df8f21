package recording_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	profilerecordingv1alpha1 "github.com/securityprofiles/operator/apis/profilerecording/v1alpha1"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
)

var (
	recordingNS = map[string]string{keys.EnableRecordingLabel: ""}
	myApp       = map[string]string{"app": "my-app"}
)

func newRecording(ctx context.Context, ns, name string, kind profilerecordingv1alpha1.RecordingKind, recorder profilerecordingv1alpha1.Recorder) *profilerecordingv1alpha1.ProfileRecording {
	r := &profilerecordingv1alpha1.ProfileRecording{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: profilerecordingv1alpha1.ProfileRecordingSpec{
			Kind: kind, Recorder: recorder, PodSelector: metav1.LabelSelector{MatchLabels: myApp},
		},
	}
	Expect(k8s.Create(ctx, r)).To(Succeed())
	return r
}

// manualPod is the two-container pod of the manual's recording example.
func manualPod(ns, name string, labels map[string]string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{
			{Name: "nginx", Image: "quay.io/security-profiles-operator/test-nginx:1.19.1"},
			{Name: "redis", Image: "quay.io/security-profiles-operator/redis:6.2.1"},
		}},
	}
}

func logProfile(c *corev1.Container) string {
	if c.SecurityContext == nil || c.SecurityContext.SeccompProfile == nil || c.SecurityContext.SeccompProfile.LocalhostProfile == nil {
		return ""
	}
	return *c.SecurityContext.SeccompProfile.LocalhostProfile
}

var _ = Describe("recording.spo.io", func() {
	It("annotates pods matching app: my-app, gives them the log profile and lists them in the status", func(ctx SpecContext) {
		ns := newNamespace(ctx, recordingNS)
		rec := newRecording(ctx, ns, "test-recording", profilerecordingv1alpha1.RecordingKindSeccomp, profilerecordingv1alpha1.RecorderLogs)

		pod := createWhen(ctx, manualPod(ns, "my-pod", myApp), func(g Gomega, p *corev1.Pod) {
			g.Expect(p.Annotations).To(HaveKey(keys.RecordingAnnotationKey("nginx")))
		})
		Expect(pod.Annotations).To(And(
			HaveKeyWithValue("record.spo.x-k8s.io/nginx", "test-recording/logs/SeccompProfile"),
			HaveKeyWithValue("record.spo.x-k8s.io/redis", "test-recording/logs/SeccompProfile"),
		))
		Expect(pod.Labels).To(HaveKey(keys.EnableRecordingLabel))
		for i := range pod.Spec.Containers {
			Expect(pod.Spec.Containers[i].SecurityContext.SeccompProfile.Type).To(Equal(corev1.SeccompProfileTypeLocalhost))
			Expect(logProfile(&pod.Spec.Containers[i])).To(Equal(keys.LogAllProfilePath))
		}

		Eventually(func(g Gomega) []string {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(rec), rec)).To(Succeed())
			return rec.Status.ActiveWorkloads
		}).WithTimeout(timeout).WithPolling(interval).Should(Equal([]string{ns + "/my-pod"}))
		Expect(k8s.Delete(ctx, pod)).To(Succeed())
		Eventually(func(g Gomega) []string {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(rec), rec)).To(Succeed())
			return rec.Status.ActiveWorkloads
		}).WithTimeout(timeout).WithPolling(interval).Should(BeEmpty())
	})

	It("leaves pods the selector does not match untouched", func(ctx SpecContext) {
		ns := newNamespace(ctx, recordingNS)
		newRecording(ctx, ns, "test-recording", profilerecordingv1alpha1.RecordingKindSeccomp, profilerecordingv1alpha1.RecorderLogs)
		createWhen(ctx, manualPod(ns, "probe", myApp), func(g Gomega, p *corev1.Pod) {
			g.Expect(p.Annotations).To(HaveKey(keys.RecordingAnnotationKey("nginx")))
		})

		other := manualPod(ns, "other-pod", map[string]string{"app": "other"})
		Expect(k8s.Create(ctx, other)).To(Succeed())
		Expect(other.Annotations).To(BeEmpty())
		Expect(other.Labels).NotTo(HaveKey(keys.EnableRecordingLabel))
		Expect(other.Spec.Containers[0].SecurityContext).To(BeNil())
	})

	It("annotates for the bpf recorder without changing the profile, and warns for privileged containers with logs", func(ctx SpecContext) {
		ns := newNamespace(ctx, recordingNS)
		newRecording(ctx, ns, "my-recording", profilerecordingv1alpha1.RecordingKindSeccomp, profilerecordingv1alpha1.RecorderBPF)
		pod := createWhen(ctx, manualPod(ns, "bpf-pod", myApp), func(g Gomega, p *corev1.Pod) {
			g.Expect(p.Annotations).To(HaveKeyWithValue(keys.RecordingAnnotationKey("nginx"), "my-recording/bpf/SeccompProfile"))
		})
		Expect(pod.Spec.Containers[0].SecurityContext).To(BeNil())

		ns = newNamespace(ctx, recordingNS)
		newRecording(ctx, ns, "test-recording", profilerecordingv1alpha1.RecordingKindSeccomp, profilerecordingv1alpha1.RecorderLogs)
		privileged := true
		p := manualPod(ns, "privileged", myApp)
		p.Spec.Containers[1].SecurityContext = &corev1.SecurityContext{Privileged: &privileged}
		Eventually(func(g Gomega) []string {
			g.Expect(k8s.Create(ctx, p.DeepCopy(), client.DryRunAll)).To(Succeed())
			return warnings.Take()
		}).WithTimeout(timeout).WithPolling(interval).Should(ContainElement(ContainSubstring(`container "redis" is privileged`)))
	})

	It("refuses a SELinux recording with the bpf recorder with a clear message", func(ctx SpecContext) {
		ns := newNamespace(ctx, recordingNS)
		r := &profilerecordingv1alpha1.ProfileRecording{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "bad"},
			Spec: profilerecordingv1alpha1.ProfileRecordingSpec{
				Kind: profilerecordingv1alpha1.RecordingKindSelinux, Recorder: profilerecordingv1alpha1.RecorderBPF,
				PodSelector: metav1.LabelSelector{MatchLabels: myApp},
			},
		}
		Expect(k8s.Create(ctx, r)).To(MatchError(ContainSubstring("recorder bpf records only kind SeccompProfile; use recorder logs for a SelinuxProfile")))
	})

	It("follows spod webhookOptions: an objectSelector limits which pods are recorded", func(ctx SpecContext) {
		DeferCleanup(func(ctx SpecContext) { Expect(suite.Configure(ctx, nil)).To(Succeed()) })
		ignore := admissionregistrationv1.Ignore
		Expect(suite.Configure(ctx, []spodv1alpha1.WebhookOptions{{
			Name:           spodv1alpha1.RecordingWebhookName,
			FailurePolicy:  &ignore,
			ObjectSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"record-me": "yes"}},
		}})).To(Succeed())
		ns := newNamespace(ctx, recordingNS)
		newRecording(ctx, ns, "test-recording", profilerecordingv1alpha1.RecordingKindSeccomp, profilerecordingv1alpha1.RecorderLogs)

		createWhen(ctx, manualPod(ns, "chosen", map[string]string{"app": "my-app", "record-me": "yes"}), func(g Gomega, p *corev1.Pod) {
			g.Expect(p.Annotations).To(HaveKey(keys.RecordingAnnotationKey("nginx")))
		})
		// The old configuration would still record this pod: wait until
		// the API server uses the new one.
		Eventually(func(g Gomega) map[string]string {
			dry := manualPod(ns, "skipped", myApp)
			g.Expect(k8s.Create(ctx, dry, client.DryRunAll)).To(Succeed())
			return dry.Annotations
		}).WithTimeout(timeout).WithPolling(interval).Should(BeEmpty())
		before, err := suite.Requests()
		Expect(err).NotTo(HaveOccurred())
		skipped := manualPod(ns, "skipped", myApp)
		Expect(k8s.Create(ctx, skipped)).To(Succeed())
		Expect(skipped.Annotations).To(BeEmpty())
		Expect(suite.Requests()).To(Equal(before))
	})
})
