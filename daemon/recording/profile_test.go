package recording

import (
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/securityprofiles/operator/apis/keys"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
)

const (
	id1 = "1111111111111111111111111111111111111111111111111111111111111111"
	id2 = "2222222222222222222222222222222222222222222222222222222222222222"
	id3 = "3333333333333333333333333333333333333333333333333333333333333333"
)

func TestTargetsTakeTheRecorderAndEveryRun(t *testing.T) {
	g := NewWithT(t)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{
			keys.RecordingAnnotationKey("web"):  keys.RecordingAnnotationValue("rec", "bpf", "SeccompProfile"),
			keys.RecordingAnnotationKey("init"): keys.RecordingAnnotationValue("rec", "bpf", "SeccompProfile"),
			keys.RecordingAnnotationKey("side"): keys.RecordingAnnotationValue("other", "logs", "SeccompProfile"),
			keys.RecordingAnnotationKey("bad"):  "not-a-value",
			"unrelated":                         "x",
		}},
		Status: corev1.PodStatus{
			InitContainerStatuses: []corev1.ContainerStatus{{Name: "init", ContainerID: "containerd://" + id3}},
			ContainerStatuses: []corev1.ContainerStatus{
				{Name: "web", ContainerID: "containerd://" + id2, LastTerminationState: corev1.ContainerState{
					Terminated: &corev1.ContainerStateTerminated{ContainerID: "containerd://" + id1}}},
				{Name: "side", ContainerID: "cri-o://" + id1},
				{Name: "bad", ContainerID: "containerd://short"},
			},
		},
	}
	g.Expect(Targets(pod, "bpf")).To(Equal([]Target{
		{Container: "init", Recording: "rec", Kind: "SeccompProfile", IDs: []string{id3}},
		{Container: "web", Recording: "rec", Kind: "SeccompProfile", IDs: []string{id1, id2}},
	}))
	g.Expect(Targets(pod, "logs")).To(Equal([]Target{{Container: "side", Recording: "other", Kind: "SeccompProfile", IDs: []string{id1}}}))
	g.Expect(ContainerIDs(pod)).NotTo(HaveKey("bad"))
}

func TestProfileNamesAndLabels(t *testing.T) {
	bare := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "my-pod"}}
	replica := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "nginx-deploy-65bcbb956f-gmbrj", GenerateName: "nginx-deploy-65bcbb956f-"}}
	target := Target{Container: "nginx", Recording: "test-recording", Kind: "SeccompProfile"}
	for _, c := range []struct {
		name    string
		pod     *corev1.Pod
		partial bool
		want    string
		labels  map[string]string
	}{
		{"bare pod", bare, false, "test-recording-nginx", map[string]string{keys.RecordingIDLabel: "test-recording"}},
		{"replica", replica, false, "test-recording-nginx-gmbrj", map[string]string{keys.RecordingIDLabel: "test-recording"}},
		{"partial", replica, true, "test-recording-nginx-gmbrj", map[string]string{
			keys.RecordingIDLabel: "test-recording", keys.PartialLabel: "true", keys.ContainerIDLabel: "nginx",
			keys.ProfileIDLabel: "SeccompProfile-test-recording-nginx-gmbrj"}},
		{"partial bare pod", bare, true, "test-recording-nginx-my-pod", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			sp, err := Profile(Recorded{Pod: c.pod, Target: target, MergeContainers: c.partial,
				Names: []string{"write", "read", "read"}, Arch: "SCMP_ARCH_X86_64", BaseProfile: "runc-v1.1.4"})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(sp.Name).To(Equal(c.want))
			g.Expect(sp.Namespace).To(Equal("ns"))
			if c.labels != nil {
				g.Expect(sp.Labels).To(Equal(c.labels))
			}
			g.Expect(sp.Spec.DefaultAction).To(BeEquivalentTo("SCMP_ACT_ERRNO"))
			g.Expect(sp.Spec.BaseProfileName).To(Equal("runc-v1.1.4"))
			g.Expect(sp.Spec.Syscalls).To(HaveLen(1))
			g.Expect(sp.Spec.Syscalls[0].Names).To(Equal([]seccompprofilev1beta1.SyscallName{"execve", "read", "write"}))
			g.Expect(sp.Spec.Architectures).To(Equal([]seccompprofilev1beta1.Arch{"SCMP_ARCH_X86_64"}))
		})
	}
}

func TestLongNamesStayValidAndDistinct(t *testing.T) {
	g := NewWithT(t)
	long := strings.Repeat("r", 250)
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p"}}
	a := ProfileName(pod, Target{Recording: long, Container: "a"}, true)
	b := ProfileName(pod, Target{Recording: long, Container: "b"}, true)
	g.Expect(validation.IsDNS1123Subdomain(a)).To(BeEmpty(), a)
	g.Expect(a).NotTo(Equal(b))
	sp, err := Profile(Recorded{Pod: pod, Target: Target{Recording: long, Container: "a", Kind: "SeccompProfile"}, MergeContainers: true, Arch: "SCMP_ARCH_X86_64"})
	g.Expect(err).NotTo(HaveOccurred())
	for k, v := range sp.Labels {
		g.Expect(validation.IsValidLabelValue(v)).To(BeEmpty(), k)
	}
}

func TestLogBackendCollectsSweepsAndStaysBounded(t *testing.T) {
	g := NewWithT(t)
	now := time.Unix(1000, 0)
	b := &LogBackend{now: func() time.Time { return now }}
	b.Syscall(id1, "read")
	b.Syscall(id1, "read")
	b.Syscall(id1, "write")
	b.Syscall(id2, "openat")
	b.Syscall("", "read")
	g.Expect(b.Collect(id1)).To(Equal(Collected{Names: []string{"read", "write"}, Found: true}))
	g.Expect(b.Collect(id1)).To(Equal(Collected{}))

	now = now.Add(time.Minute)
	g.Expect(b.Sweep(func(string) bool { return false }, 2*time.Minute)).To(Equal(0))
	g.Expect(b.Sweep(func(id string) bool { return id == id2 }, 0)).To(Equal(0))
	g.Expect(b.Sweep(func(string) bool { return false }, 0)).To(Equal(1))

	for i := range maxLogContainers + 10 {
		b.Syscall(strings.Repeat("a", 60)+string(rune('a'+i%26))+string(rune('a'+i/26%26))+string(rune('a'+i/676)), "read")
	}
	g.Expect(len(b.byID)).To(BeNumerically("<=", maxLogContainers))
	over := strings.Repeat("f", 64)
	b.Syscall(over, "read")
	got, _ := b.Collect(over)
	g.Expect(got.Incomplete).NotTo(BeEmpty())
}
