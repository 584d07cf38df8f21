package podcache_test

import (
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"

	"github.com/securityprofiles/operator/daemon/recording"
	"github.com/securityprofiles/operator/internal/podcache"
)

func forDaemon(t *testing.T, pod *corev1.Pod) *corev1.Pod {
	t.Helper()
	out, err := podcache.Daemon()(pod.DeepCopy())
	if err != nil {
		t.Fatal(err)
	}
	return out.(*corev1.Pod)
}

// TestDaemonReaders: profile recording and the enricher's container
// directory answer the same on the trimmed pod as on the full one.
func TestDaemonReaders(t *testing.T) {
	g := NewWithT(t)
	full := fatPod("team-a")
	slim := forDaemon(t, full)

	g.Expect(slim.Spec.NodeName).To(Equal(full.Spec.NodeName), "the recorders' node predicate")
	g.Expect(recording.ContainerIDs(full)).To(HaveLen(5))
	g.Expect(recording.ContainerIDs(full)["app"]).To(HaveLen(3), "current, terminated and last run")
	g.Expect(recording.ContainerIDs(slim)).To(Equal(recording.ContainerIDs(full)))
	for _, recorder := range []string{"logs", "bpf"} {
		targets := recording.Targets(full, recorder)
		g.Expect(targets).To(HaveLen(1), recorder)
		g.Expect(recording.Targets(slim, recorder)).To(Equal(targets))
		// The recorded profile's name and metadata come from the pod.
		want, err := recording.Profile(recording.Recorded{Pod: full, Target: targets[0], MergeContainers: true})
		g.Expect(err).NotTo(HaveOccurred())
		got, err := recording.Profile(recording.Recorded{Pod: slim, Target: targets[0], MergeContainers: true})
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(got.ObjectMeta).To(Equal(want.ObjectMeta))
		g.Expect(recording.ProfileName(slim, targets[0], false)).To(Equal(recording.ProfileName(full, targets[0], false)))
	}
	// A privileged container's silence is no SELinux profile.
	g.Expect(privileged(slim)).To(Equal(privileged(full)))
	g.Expect(privileged(full)).To(HaveKeyWithValue("apparmor-only", true))

	// The enricher's directory: image and audit profile of each ID.
	fromFull, fromSlim := recording.NewDirectory(), recording.NewDirectory()
	fromFull.Update(full)
	fromSlim.Update(slim)
	for _, ids := range recording.ContainerIDs(full) {
		for _, id := range ids {
			want, ok := fromFull.Lookup(id)
			g.Expect(ok).To(BeTrue())
			got, ok := fromSlim.Lookup(id)
			g.Expect(ok).To(BeTrue())
			g.Expect(got).To(Equal(want))
		}
	}
	ref, _ := fromSlim.Lookup(recording.ContainerIDs(full)["plain"][0])
	g.Expect(ref.AuditProfile).NotTo(BeNil(), "the pod's audit profile reaches containers without their own")
}

// TestDaemonSize: the trimmed pod is a small part of the full one.
func TestDaemonSize(t *testing.T) {
	g := NewWithT(t)
	full := fatPod("team-a")
	slim := forDaemon(t, full)
	g.Expect(slim.ManagedFields).To(BeEmpty())
	g.Expect(slim.Spec.Containers[0].Env).To(BeEmpty())
	g.Expect(slim.Spec.Containers[0].SecurityContext.SELinuxOptions).To(BeNil())
	g.Expect(slim.Status.ContainerStatuses[0].ImageID).To(BeEmpty())
	g.Expect(jsonSize(t, slim)*4).To(BeNumerically("<", jsonSize(t, full)), "slim %d bytes, full %d", jsonSize(t, slim), jsonSize(t, full))
}

// privileged maps each container that says whether it is privileged to
// what it says.
func privileged(pod *corev1.Pod) map[string]bool {
	out := map[string]bool{}
	for _, c := range append(pod.Spec.InitContainers, pod.Spec.Containers...) {
		if c.SecurityContext != nil && c.SecurityContext.Privileged != nil {
			out[c.Name] = *c.SecurityContext.Privileged
		}
	}
	return out
}
