package profilerecording_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	profilerecordingv1alpha1 "github.com/securityprofiles/operator/apis/profilerecording/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/controllers/profilerecording"
)

var _ = Describe("ProfileRecording status", func() {
	It("lists the recording's profiles as they come and go, and leaves activeWorkloads alone", func() {
		requireProfilesInCRD()
		ns, elsewhere := newNamespace(), newNamespace()
		rec := newRecording(ns, "rec", profilerecordingv1alpha1.RecorderLogs, profilerecordingv1alpha1.MergeNone)
		create(rec)
		// What the recording webhook writes.
		active := get(rec)(Default)
		patch := client.MergeFrom(active.DeepCopy())
		active.Status.ActiveWorkloads = []string{ns + "/nginx-abcde"}
		Expect(env.Client.Status().Patch(ctx(), active, patch)).To(Succeed())

		labelled := func(ns, name, recording string) *seccompprofilev1beta1.SeccompProfile {
			p := newProfile(ns, name, errno, "", "read")
			if recording != "" {
				p.Labels = map[string]string{keys.RecordingIDLabel: recording}
			}
			return p
		}
		b, a, other := labelled(ns, "rec-b", "rec"), labelled(ns, "rec-a", "rec"), labelled(ns, "unrelated", "")
		create(b, a, other, labelled(ns, "rec-of-another", "another"), labelled(elsewhere, "rec-c", "rec"))
		Eventually(statusProfiles(rec), timeout).Should(Equal([]string{"rec-a", "rec-b"}))

		update(b, func(p *seccompprofilev1beta1.SeccompProfile) { delete(p.Labels, keys.RecordingIDLabel) })
		Eventually(statusProfiles(rec), timeout).Should(Equal([]string{"rec-a"}))

		update(other, func(p *seccompprofilev1beta1.SeccompProfile) {
			p.Labels = map[string]string{keys.RecordingIDLabel: "rec"}
		})
		Eventually(statusProfiles(rec), timeout).Should(Equal([]string{"rec-a", "unrelated"}))

		Expect(env.Client.Delete(ctx(), a)).To(Succeed())
		Eventually(statusProfiles(rec), timeout).Should(Equal([]string{"unrelated"}))
		Expect(get(rec)(Default).Status.ActiveWorkloads).To(Equal([]string{ns + "/nginx-abcde"}))
	})

	It("is Ready only while spod runs the recorder the recording asks for", func() {
		ns := newNamespace()
		bpf := newRecording(ns, "bpf", profilerecordingv1alpha1.RecorderBPF, profilerecordingv1alpha1.MergeNone)
		logs := newRecording(ns, "logs", profilerecordingv1alpha1.RecorderLogs, profilerecordingv1alpha1.MergeContainers)
		create(bpf, logs)
		Eventually(ready(bpf), timeout).Should(And(
			HaveField("Status", metav1.ConditionFalse),
			HaveField("Reason", profilerecording.ReasonRecorderNotEnabled),
			HaveField("Message", ContainSubstring("enableBpfRecorder: true")),
			HaveField("ObservedGeneration", get(bpf)(Default).Generation),
		))
		Eventually(ready(logs), timeout).Should(And(
			HaveField("Status", metav1.ConditionTrue), HaveField("Reason", profilerecording.ReasonRecording)))

		DeferCleanup(updateSpod(func(s *spodv1alpha1.SPODSpec) { s.EnableBpfRecorder, s.EnableLogEnricher = true, false }))
		Eventually(ready(bpf), timeout).Should(And(
			HaveField("Status", metav1.ConditionTrue), HaveField("Reason", profilerecording.ReasonRecording)))
		Eventually(ready(logs), timeout).Should(And(
			HaveField("Status", metav1.ConditionFalse),
			HaveField("Reason", profilerecording.ReasonRecorderNotEnabled),
			HaveField("Message", ContainSubstring("enableLogEnricher: true")),
		))

		// A spec change is observed in the condition's generation.
		update(logs, func(r *profilerecordingv1alpha1.ProfileRecording) {
			r.Spec.Recorder = profilerecordingv1alpha1.RecorderBPF
		})
		Eventually(ready(logs), timeout).Should(And(
			HaveField("Status", metav1.ConditionTrue),
			HaveField("ObservedGeneration", get(logs)(Default).Generation),
		))
	})

	It("writes nothing when nothing changed", func() {
		ns := newNamespace()
		rec := newRecording(ns, "idle", profilerecordingv1alpha1.RecorderLogs, profilerecordingv1alpha1.MergeContainers)
		create(rec)
		p := newPartial(ns, "idle", "app", "aaaaa", errno, "", "read")
		create(p)
		waitPartial(p)
		Eventually(ready(rec), timeout).Should(HaveField("Reason", profilerecording.ReasonRecording))
		Eventually(finalizers(rec), timeout).Should(ContainElement(keys.MergeFinalizer))
		before := get(rec)(Default).ResourceVersion

		// Both watches fire; neither changes anything the status shows.
		DeferCleanup(updateSpod(func(s *spodv1alpha1.SPODSpec) { s.Verbosity = 1 - s.Verbosity }))
		update(p, func(p *seccompprofilev1beta1.SeccompProfile) {
			p.Annotations = map[string]string{"example.com/touched": "yes"}
		})
		Consistently(func(g Gomega) string { return get(rec)(g).ResourceVersion }, 3*time.Second, 250*time.Millisecond).
			Should(Equal(before))
	})
})
