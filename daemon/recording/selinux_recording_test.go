//go:build !no_bpf

package recording_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	profilerecordingv1alpha1 "github.com/securityprofiles/operator/apis/profilerecording/v1alpha1"
	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
	"github.com/securityprofiles/operator/daemon/enricher"
	"github.com/securityprofiles/operator/daemon/recording"
	"github.com/securityprofiles/operator/test/fakecontainer"
)

// SELinux is not active on these machines, so no kernel writes AVC
// records here: the specs hand record lines, in the kernel's and in
// auditd's format, to a log enricher of their own, which attributes them
// through /proc/<pid>/cgroup of a real process in a container cgroup, as
// it does records read from the kernel.

// errLinesEnd ends a lineSource.
var errLinesEnd = errors.New("end of the spec's records")

// lineSource yields log lines, then errLinesEnd.
type lineSource struct{ lines []string }

func (s *lineSource) Next(context.Context) (uint16, []byte, error) {
	if len(s.lines) == 0 {
		return 0, nil, errLinesEnd
	}
	l := s.lines[0]
	s.lines = s.lines[1:]
	return 0, []byte(l), nil
}
func (s *lineSource) Name() string { return "spec lines" }
func (s *lineSource) Close() error { return nil }

// feed runs the lines through a log enricher into the logs recorder's
// backend, and returns once every line was handled.
func feed(ctx context.Context, lines ...string) {
	e, err := enricher.New(nodeName, "/proc", recording.Resolver{Directory: logRec.Directory},
		recording.Sink{Backend: logs}, ctrl.Log.WithName("spec-enricher"))
	Expect(err).NotTo(HaveOccurred())
	Expect(e.Run(ctx, &lineSource{lines: lines})).To(MatchError(errLinesEnd))
}

// avc is a denial of process pid in the kernel's format, or auditd's.
func avc(auditd bool, pid, serial int, perms, scontext, tcontext, tclass string) string {
	head := fmt.Sprintf("type=1400 audit(1718100000.%03d:%d):", serial, serial)
	if auditd {
		head = fmt.Sprintf("type=AVC msg=audit(1718100000.%03d:%d):", serial, serial)
	}
	return fmt.Sprintf(`%s avc:  denied  { %s } for  pid=%d comm="nginx" dev="overlay" ino=3801 scontext=%s tcontext=%s tclass=%s permissive=1`,
		head, perms, pid, scontext, tcontext, tclass)
}

// selinuxPod creates a pod on the node whose container work the webhook
// marked for a SelinuxProfile recording, before the kubelet reports it.
func selinuxPod(ctx context.Context, ns, name, recording string) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Annotations: map[string]string{
			keys.RecordingAnnotationKey("work"): keys.RecordingAnnotationValue(recording, "logs", "SelinuxProfile"),
		}},
		Spec: corev1.PodSpec{NodeName: nodeName, Containers: []corev1.Container{{Name: "work", Image: "nginx"}}},
	}
	Expect(env.Client.Create(ctx, pod)).To(Succeed())
	return pod
}

// reportContainer writes the container's ID into the pod's status.
func reportContainer(ctx context.Context, pod *corev1.Pod, id string) {
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "work", ContainerID: "containerd://" + id}}
	Expect(env.Client.Status().Update(ctx, pod)).To(Succeed())
	Eventually(func() bool { _, ok := logRec.Directory.Lookup(id); return ok }).WithTimeout(10 * time.Second).Should(BeTrue())
}

func selinuxProfile(ctx context.Context, key client.ObjectKey) *selinuxprofilev1alpha2.SelinuxProfile {
	sp := &selinuxprofilev1alpha2.SelinuxProfile{}
	Eventually(func() error { return env.Client.Get(ctx, key, sp) }).WithTimeout(15 * time.Second).Should(Succeed())
	return sp
}

var _ = Describe("Recording a container into a SelinuxProfile", func() {
	It("turns the recording type's denials into the container's allow map when the pod is gone, and gives a container denied nothing the base policy", func(ctx SpecContext) {
		ns := newNamespace(ctx)
		Expect(env.Client.Create(ctx, &profilerecordingv1alpha1.ProfileRecording{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "sel"},
			Spec: profilerecordingv1alpha1.ProfileRecordingSpec{Kind: profilerecordingv1alpha1.RecordingKindSelinux,
				Recorder: profilerecordingv1alpha1.RecorderLogs, PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "x"}}},
		})).To(Succeed())

		c := fakecontainer.New(GinkgoT())
		workload := exec.Command("sleep", "60")
		Expect(c.Start(workload)).To(Succeed())
		DeferCleanup(func() { _ = workload.Process.Kill(); _ = workload.Wait() })
		pid := workload.Process.Pid
		const self = "system_u:system_r:" + keys.SelinuxRecordingType + ":s0:c12,c345"
		pod := selinuxPod(ctx, ns, "nginx", "sel")

		// Denied before the kubelet reports the container: kept by ID.
		feed(ctx, avc(false, pid, 1, "read", self, "system_u:object_r:var_log_t:s0", "file"))
		reportContainer(ctx, pod, c.ID)
		feed(ctx,
			avc(true, pid, 2, "write open", self, "system_u:object_r:var_log_t:s0", "file"),
			avc(false, pid, 3, "name_bind", self, "system_u:object_r:http_cache_port_t:s0", "tcp_socket"),
			avc(true, pid, 4, "listen", self, self, "tcp_socket"),
			// Enforced policy of another domain, and a type the API refuses.
			avc(false, pid, 5, "getattr", "system_u:system_r:container_t:s0:c1,c2", "system_u:object_r:etc_t:s0", "file"),
			avc(true, pid, 6, "read", self, "system_u:object_r:odd,type_t:s0", "file"),
		)
		Expect(workload.Process.Kill()).To(Succeed())
		_ = workload.Wait()
		Expect(env.Client.Delete(ctx, pod, client.GracePeriodSeconds(0))).To(Succeed())

		sp := selinuxProfile(ctx, client.ObjectKey{Namespace: ns, Name: "sel-work"})
		Expect(sp.Labels).To(Equal(map[string]string{keys.RecordingIDLabel: "sel"}))
		Expect(sp.Spec.Inherit).To(Equal([]selinuxprofilev1alpha2.PolicyRef{{Kind: selinuxprofilev1alpha2.PolicyKindSystem, Name: "container"}}))
		Expect(sp.Spec.Allow).To(Equal(selinuxprofilev1alpha2.Allow{
			"@self":             {"tcp_socket": {"listen"}},
			"http_cache_port_t": {"tcp_socket": {"name_bind"}},
			"var_log_t":         {"file": {"open", "read", "write"}},
		}))
		Eventually(func() []string { return eventNotes(ctx, ns, "sel", recording.ReasonRecordingIncomplete) }).WithTimeout(10 * time.Second).
			Should(ConsistOf(ContainSubstring("SelinuxProfile sel-work may miss permissions of container work of pod nginx: 1 denied permissions")))

		// A later pod of the recording whose container stayed within the
		// container policy: its run replaces the profile.
		quiet := fakecontainer.New(GinkgoT())
		pod = selinuxPod(ctx, ns, "quiet", "sel")
		reportContainer(ctx, pod, quiet.ID)
		Expect(env.Client.Delete(ctx, pod, client.GracePeriodSeconds(0))).To(Succeed())
		Eventually(func() []string { return eventNotes(ctx, ns, "sel", recording.ReasonProfileRecorded) }).WithTimeout(10 * time.Second).
			Should(ConsistOf(ContainSubstring("of pod quiet on node " + nodeName + " into SelinuxProfile sel-work (no denials")))
		Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(sp), sp)).To(Succeed())
		Expect(sp.Spec.Allow).To(BeNil())
		Expect(sp.Spec.Inherit).To(Equal([]selinuxprofilev1alpha2.PolicyRef{{Kind: selinuxprofilev1alpha2.PolicyKindSystem, Name: "container"}}))
	}, SpecTimeout(time.Minute))
})
