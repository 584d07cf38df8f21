package podcache_test

import (
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/securityprofiles/operator/apis/keys"
	"github.com/securityprofiles/operator/internal/podcache"
	"github.com/securityprofiles/operator/internal/podprofiles"
	"github.com/securityprofiles/operator/internal/profilegate"
)

const operatorNamespace = "spo"

func forManager(t *testing.T, pod *corev1.Pod) *corev1.Pod {
	t.Helper()
	out, err := podcache.Manager(operatorNamespace)(pod.DeepCopy())
	if err != nil {
		t.Fatal(err)
	}
	return out.(*corev1.Pod)
}

// TestManagerReaders: every reader of the manager's pod cache answers the
// same on the trimmed pod as on the full one.
func TestManagerReaders(t *testing.T) {
	g := NewWithT(t)
	full := fatPod("team-a")
	slim := forManager(t, full)

	// The profile controllers' pod indexes and watches.
	g.Expect(podprofiles.Seccomp(full)).To(HaveLen(7), "the fat pod uses every seccomp form")
	g.Expect(podprofiles.Seccomp(slim)).To(Equal(podprofiles.Seccomp(full)))
	g.Expect(podprofiles.SelinuxTypes(full)).To(HaveLen(6))
	g.Expect(podprofiles.SelinuxTypes(slim)).To(Equal(podprofiles.SelinuxTypes(full)))
	g.Expect(podprofiles.AppArmorProfiles(full)).To(HaveLen(7))
	g.Expect(podprofiles.AppArmorProfiles(slim)).To(Equal(podprofiles.AppArmorProfiles(full)))
	g.Expect(podprofiles.Running(slim)).To(BeTrue())
	g.Expect(profilegate.Refs(slim)).To(Equal(profilegate.Refs(full)))

	// The scheduling gate: the gate, its condition against the pod's
	// generation, the bindings it honours, deletion, and the identity its
	// locked patches and Events carry.
	g.Expect(slim.Spec.SchedulingGates).To(Equal(full.Spec.SchedulingGates))
	g.Expect(slim.Status.Conditions).To(Equal(full.Status.Conditions))
	g.Expect(slim.Generation).To(Equal(full.Generation))
	g.Expect(slim.Annotations[keys.BindingsAnnotation]).To(Equal(full.Annotations[keys.BindingsAnnotation]))
	g.Expect(slim.Name).To(Equal(full.Name))
	g.Expect(slim.Namespace).To(Equal(full.Namespace))
	g.Expect(slim.UID).To(Equal(full.UID))
	g.Expect(slim.ResourceVersion).To(Equal(full.ResourceVersion))
	now := metav1.Now()
	full.DeletionTimestamp = &now
	g.Expect(forManager(t, full).DeletionTimestamp).To(Equal(&now))

	// A pod-level context with one kind of profile only.
	for _, sc := range []corev1.PodSecurityContext{
		{SeccompProfile: full.Spec.SecurityContext.SeccompProfile},
		{SELinuxOptions: full.Spec.SecurityContext.SELinuxOptions},
		{AppArmorProfile: full.Spec.SecurityContext.AppArmorProfile},
	} {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "team-a"}, Spec: corev1.PodSpec{SecurityContext: &sc}}
		g.Expect(profilegate.Refs(forManager(t, pod))).To(HaveLen(1))
	}

	for _, phase := range []corev1.PodPhase{corev1.PodSucceeded, corev1.PodFailed} {
		full.Status.Phase = phase
		g.Expect(podprofiles.Running(forManager(t, full))).To(BeFalse(), string(phase))
	}
}

// TestManagerSize: the trimmed pod is a small part of the full one.
func TestManagerSize(t *testing.T) {
	g := NewWithT(t)
	full := fatPod("team-a")
	// Without the gate the pod's conditions are not read, so not kept.
	full.Spec.SchedulingGates = nil
	slim := forManager(t, full)
	g.Expect(slim.Status.Conditions).To(BeEmpty())
	g.Expect(slim.ManagedFields).To(BeEmpty())
	g.Expect(slim.Labels).To(BeEmpty())
	g.Expect(slim.Spec.Volumes).To(BeEmpty())
	g.Expect(slim.Spec.Containers[0].Env).To(BeEmpty())
	g.Expect(slim.Spec.Containers[0].Image).To(BeEmpty())
	g.Expect(slim.Status.ContainerStatuses).To(BeEmpty())
	g.Expect(slim.Annotations).NotTo(HaveKey("kubectl.kubernetes.io/last-applied-configuration"))
	g.Expect(jsonSize(t, slim)*5).To(BeNumerically("<", jsonSize(t, full)), "slim %d bytes, full %d", jsonSize(t, slim), jsonSize(t, full))
}

// TestManagerOperatorPods: pods of the operator namespace (the SELinux
// node labeller reads the daemon pods' labels, owner, node and
// init-container termination messages) lose their managedFields only.
func TestManagerOperatorPods(t *testing.T) {
	g := NewWithT(t)
	full := fatPod(operatorNamespace)
	slim := forManager(t, full)
	g.Expect(slim.ManagedFields).To(BeEmpty())
	full.ManagedFields = nil
	g.Expect(slim).To(Equal(full))
}

// TestManagerOtherKinds: objects that are not pods (metadata-only watches)
// pass with their managedFields stripped.
func TestManagerOtherKinds(t *testing.T) {
	g := NewWithT(t)
	in := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "team-a", Labels: map[string]string{"a": "b"},
		ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}}}
	out, err := podcache.Manager(operatorNamespace)(in)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(out.(*metav1.PartialObjectMetadata).ManagedFields).To(BeEmpty())
	g.Expect(out.(*metav1.PartialObjectMetadata).Labels).To(HaveKey("a"))
}
