//go:build !no_bpf

package recording_test

import (
	"context"
	"os/exec"
	"slices"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/securityprofiles/operator/apis/keys"
	profilerecordingv1alpha1 "github.com/securityprofiles/operator/apis/profilerecording/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	"github.com/securityprofiles/operator/daemon/recording"
	"github.com/securityprofiles/operator/test/fakecontainer"
)

// run starts argv as the container's workload (through the log-all
// launcher for the logs recorder) and reaps it only once the log enricher
// has read its last record, as a runtime's shim reaps only after a pause:
// until then /proc still shows the exited process's cgroup to the log
// enricher, which on a busy machine may read records seconds late.
func run(c fakecontainer.Container, argv []string, viaLogFilter bool) {
	cmd := exec.Command(argv[0], argv[1:]...)
	if viaLogFilter {
		cmd = exec.Command(logLauncher, argv...)
	}
	Expect(c.Start(cmd)).To(Succeed())
	if viaLogFilter {
		Eventually(func() bool { return logs.HasSyscall(c.ID, "exit_group") }).WithTimeout(45*time.Second).Should(BeTrue(),
			"the log enricher never read %v's exit_group", argv)
	} else {
		time.Sleep(300 * time.Millisecond)
	}
	Expect(cmd.Wait()).To(Succeed(), "%v", argv)
}

// decoy starts, on the host (no container cgroup, no new namespace) and
// under the log-all filter, a process named like argv's program that
// does other work, and checks that the work differs from argv's.
func decoy(argv, want []string) *exec.Cmd {
	decoyArgv := fakecontainer.Decoy(GinkgoT(), argv[0])
	Expect(fakecontainer.Missing(fakecontainer.StraceNames(GinkgoT(), decoyArgv), want)).NotTo(BeEmpty(),
		"the decoy must make a syscall %v does not", argv)
	cmd := exec.Command(logLauncher, decoyArgv...)
	Expect(cmd.Start()).To(Succeed())
	return cmd
}

func newNamespace(ctx context.Context) string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "rec-"}}
	Expect(env.Client.Create(ctx, ns)).To(Succeed())
	return ns.Name
}

// startPod creates a pod on the node, marked for recorder like the
// recording webhook does, whose status names the container's ID.
func startPod(ctx context.Context, ns, name, recording, recorder string, c fakecontainer.Container, sc ...*corev1.SecurityContext) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Annotations: map[string]string{
			keys.RecordingAnnotationKey("work"): keys.RecordingAnnotationValue(recording, recorder, "SeccompProfile"),
		}},
		Spec: corev1.PodSpec{NodeName: nodeName, Containers: []corev1.Container{{Name: "work", Image: "busybox"}}},
	}
	if len(sc) > 0 {
		pod.Spec.Containers[0].SecurityContext = sc[0]
	}
	Expect(env.Client.Create(ctx, pod)).To(Succeed())
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "work", ContainerID: "containerd://" + c.ID}}
	Expect(env.Client.Status().Update(ctx, pod)).To(Succeed())
	return pod
}

func recordingOf(ctx context.Context, ns, name string, recorder profilerecordingv1alpha1.Recorder, merge profilerecordingv1alpha1.MergeStrategy) {
	Expect(env.Client.Create(ctx, &profilerecordingv1alpha1.ProfileRecording{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: profilerecordingv1alpha1.ProfileRecordingSpec{Kind: profilerecordingv1alpha1.RecordingKindSeccomp, Recorder: recorder,
			MergeStrategy: merge, PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "x"}}},
	})).To(Succeed())
}

// profileNames waits for a profile and returns the syscalls it allows.
func profileNames(ctx context.Context, key client.ObjectKey) (*seccompprofilev1beta1.SeccompProfile, []string) {
	sp := &seccompprofilev1beta1.SeccompProfile{}
	Eventually(func() error { return env.Client.Get(ctx, key, sp) }).WithTimeout(15 * time.Second).Should(Succeed())
	var names []string
	for _, s := range sp.Spec.Syscalls {
		Expect(s.Action).To(BeEquivalentTo("SCMP_ACT_ALLOW"))
		for _, n := range s.Names {
			names = append(names, string(n))
		}
	}
	slices.Sort(names)
	return sp, names
}

var _ = Describe("Recording a container into a SeccompProfile", func() {
	for _, recorder := range []profilerecordingv1alpha1.Recorder{profilerecordingv1alpha1.RecorderBPF, profilerecordingv1alpha1.RecorderLogs} {
		It("records exactly what strace sees, nothing of a decoy, with the "+string(recorder)+" recorder", func(ctx SpecContext) {
			ns := newNamespace(ctx)
			recordingOf(ctx, ns, "rec", recorder, profilerecordingv1alpha1.MergeNone)
			reconciler := bpfRec
			if recorder == profilerecordingv1alpha1.RecorderLogs {
				reconciler = logRec
			}
			for i, argv := range fakecontainer.Programs {
				c := fakecontainer.New(GinkgoT())
				pod := startPod(ctx, ns, "pod-"+string(rune('a'+i)), "rec", string(recorder), c)
				// The log enricher attributes records through the pod directory.
				Eventually(func() bool { _, ok := reconciler.Directory.Lookup(c.ID); return ok }).WithTimeout(10 * time.Second).Should(BeTrue())
				want := fakecontainer.StraceNames(GinkgoT(), argv)
				d := decoy(argv, want)
				run(c, argv, recorder == profilerecordingv1alpha1.RecorderLogs)
				_ = d.Wait()
				Expect(env.Client.Delete(ctx, pod, client.GracePeriodSeconds(0))).To(Succeed())

				sp, names := profileNames(ctx, client.ObjectKey{Namespace: ns, Name: "rec-work"})
				Expect(names).To(Equal(want), "%v", argv)
				Expect(sp.Spec.DefaultAction).To(BeEquivalentTo("SCMP_ACT_ERRNO"))
				Expect(sp.Labels).To(HaveKeyWithValue(keys.RecordingIDLabel, "rec"))
				Expect(sp.Spec.BaseProfileName).To(Equal("runc-v1.1.4"))
				Expect(env.Client.Delete(ctx, sp)).To(Succeed())
				Eventually(func() bool {
					return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKeyFromObject(sp), sp))
				}).WithTimeout(5 * time.Second).Should(BeTrue())
			}
		}, SpecTimeout(3*time.Minute))
	}

	It("makes one Partial profile per pod of a merged recording, with the manual's labels, merged when the recording goes", func(ctx SpecContext) {
		ns := newNamespace(ctx)
		recordingOf(ctx, ns, "merged", profilerecordingv1alpha1.RecorderBPF, profilerecordingv1alpha1.MergeContainers)
		// Reviewed before enforced: every profile it makes is disabled.
		rec := &profilerecordingv1alpha1.ProfileRecording{}
		// The manager adds its merge finalizer meanwhile: retry conflicts.
		Eventually(func() error {
			if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "merged"}, rec); err != nil {
				return err
			}
			rec.Spec.DisableProfileAfterRecording = true
			return env.Client.Update(ctx, rec)
		}).WithTimeout(10 * time.Second).Should(Succeed())
		for i, argv := range [][]string{{"/bin/true"}, {"/bin/true"}, {"/bin/sh", "-c", "mknod /tmp/spo-fifo-$$ p; rm -f /tmp/spo-fifo-$$"}} {
			c := fakecontainer.New(GinkgoT())
			pod := startPod(ctx, ns, "nginx-deploy-"+[]string{"gmbrj", "lclnb", "wdv2r"}[i], "merged", "bpf", c)
			Eventually(func() bool { _, ok := bpfRec.Directory.Lookup(c.ID); return ok }).WithTimeout(10 * time.Second).Should(BeTrue())
			run(c, argv, false)
			Expect(env.Client.Delete(ctx, pod, client.GracePeriodSeconds(0))).To(Succeed())
		}
		sp, names := profileNames(ctx, client.ObjectKey{Namespace: ns, Name: "merged-work-nginx-deploy-wdv2r"})
		Expect(names).To(ContainElement("mknodat"))
		Expect(sp.Labels).To(Equal(map[string]string{
			keys.RecordingIDLabel: "merged", keys.PartialLabel: "true", keys.ContainerIDLabel: "work",
			keys.ProfileIDLabel: "SeccompProfile-merged-work-nginx-deploy-wdv2r",
		}))
		_, names = profileNames(ctx, client.ObjectKey{Namespace: ns, Name: "merged-work-nginx-deploy-gmbrj"})
		Expect(names).NotTo(ContainElement("mknodat"))

		Expect(sp.Spec.Disabled).To(BeTrue(), "disableProfileAfterRecording")

		// Deleting the recording merges the three into one profile.
		Expect(env.Client.Delete(ctx, rec)).To(Succeed())
		merged, names := profileNames(ctx, client.ObjectKey{Namespace: ns, Name: "merged-work"})
		Expect(merged.Spec.Disabled).To(BeTrue(), "the merged profile is created disabled too")
		Expect(names).To(ContainElements("mknodat", "execve", "exit_group"))
		Expect(merged.Labels).To(Equal(map[string]string{keys.RecordingIDLabel: "merged"}))
		Expect(merged.Spec.BaseProfileName).To(Equal("runc-v1.1.4"))
		Eventually(func() (int, error) {
			list := &seccompprofilev1beta1.SeccompProfileList{}
			err := env.Client.List(ctx, list, client.InNamespace(ns), client.MatchingLabels{keys.PartialLabel: "true"})
			return len(list.Items), err
		}).WithTimeout(10 * time.Second).Should(BeZero())
	}, SpecTimeout(time.Minute))

	It("tells the recording what it could not record, and counts it", func(ctx SpecContext) {
		ns := newNamespace(ctx)
		before := outcomes("logs", "nothing")
		// A privileged container the log recorder never saw.
		recordingOf(ctx, ns, "rec", profilerecordingv1alpha1.RecorderLogs, profilerecordingv1alpha1.MergeNone)
		ghost := fakecontainer.New(GinkgoT())
		pod := startPod(ctx, ns, "ghost", "rec", "logs", ghost, &corev1.SecurityContext{Privileged: ptr.To(true)})
		Eventually(func() []string { return eventNotes(ctx, ns, "rec", recording.ReasonPrivilegedContainer) }).
			WithTimeout(10 * time.Second).Should(ContainElement(ContainSubstring("ghost")))
		Expect(env.Client.Delete(ctx, pod, client.GracePeriodSeconds(0))).To(Succeed())
		Eventually(func() []string { return eventNotes(ctx, ns, "rec", recording.ReasonNothingRecorded) }).
			WithTimeout(10 * time.Second).Should(ContainElement(ContainSubstring(ghost.ID)))
		Expect(outcomes("logs", "nothing")).To(Equal(before + 1))

		// A profile of the recorded name that the recording did not make.
		taken := &seccompprofilev1beta1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "rec2-work"},
			Spec: seccompprofilev1beta1.SeccompProfileSpec{DefaultAction: "SCMP_ACT_LOG"}}
		Expect(env.Client.Create(ctx, taken)).To(Succeed())
		recordingOf(ctx, ns, "rec2", profilerecordingv1alpha1.RecorderBPF, profilerecordingv1alpha1.MergeNone)
		c := fakecontainer.New(GinkgoT())
		pod = startPod(ctx, ns, "taken", "rec2", "bpf", c)
		Eventually(func() bool { _, ok := bpfRec.Directory.Lookup(c.ID); return ok }).WithTimeout(10 * time.Second).Should(BeTrue())
		run(c, []string{"/bin/true"}, false)
		Expect(env.Client.Delete(ctx, pod, client.GracePeriodSeconds(0))).To(Succeed())
		Eventually(func() []string { return eventNotes(ctx, ns, "rec2", recording.ReasonProfileNameTaken) }).
			WithTimeout(10 * time.Second).Should(ContainElement(ContainSubstring("rec2-work")))
		Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(taken), taken)).To(Succeed())
		Expect(taken.Labels).To(BeEmpty())
		Expect(taken.Spec.DefaultAction).To(BeEquivalentTo("SCMP_ACT_LOG"))
	}, SpecTimeout(time.Minute))
})

// eventNotes are the notes of the Events with reason about a recording.
func eventNotes(ctx context.Context, ns, recording, reason string) []string {
	list := &eventsv1.EventList{}
	Expect(env.Client.List(ctx, list, client.InNamespace(ns))).To(Succeed())
	var notes []string
	for _, e := range list.Items {
		if e.Reason == reason && e.Regarding.Kind == "ProfileRecording" && e.Regarding.Name == recording {
			notes = append(notes, e.Note)
		}
	}
	return notes
}

// outcomes reads security_profiles_operator_profile_recordings_total.
func outcomes(recorder, outcome string) float64 {
	fams, err := metrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	for _, f := range fams {
		if f.GetName() != "security_profiles_operator_profile_recordings_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["recorder"] == recorder && labels["outcome"] == outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}
