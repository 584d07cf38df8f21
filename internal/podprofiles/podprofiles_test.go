package podprofiles

import (
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func localhost(p string) *corev1.SeccompProfile {
	return &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: &p}
}

func TestSeccomp(t *testing.T) {
	g := NewWithT(t)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{
			"seccomp.security.alpha.kubernetes.io/pod":           "localhost/operator/ns/legacy.json",
			"container.seccomp.security.alpha.kubernetes.io/app": "runtime/default",
		}},
		Spec: corev1.PodSpec{
			SecurityContext: &corev1.PodSecurityContext{SeccompProfile: localhost("operator/ns/pod.json")},
			InitContainers:  []corev1.Container{{SecurityContext: &corev1.SecurityContext{SeccompProfile: localhost("operator/ns/init.json")}}},
			Containers: []corev1.Container{
				{SecurityContext: &corev1.SecurityContext{SeccompProfile: localhost("operator/ns/pod.json")}},
				{SecurityContext: &corev1.SecurityContext{SeccompProfile: localhost("my-own/profile.json")}},
				{SecurityContext: &corev1.SecurityContext{SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}}},
			},
		},
	}
	g.Expect(Seccomp(pod)).To(Equal([]string{"operator/ns/init.json", "operator/ns/legacy.json", "operator/ns/pod.json"}))
}

func TestParseLocalhostPath(t *testing.T) {
	g := NewWithT(t)
	key, ok := ParseLocalhostPath(LocalhostPath("my-namespace", "profile1"))
	g.Expect(ok).To(BeTrue())
	g.Expect(key.String()).To(Equal("my-namespace/profile1"))
	for _, bad := range []string{"operator/ns.json", "other/ns/p.json", "operator/ns/p", "operator//p.json", "operator/ns/a/b.json",
		"operator/ns/audit/a/b.json", "operator/ns/audit/.json", "operator/audit/p.json/x"} {
		_, ok := ParseLocalhostPath(bad)
		g.Expect(ok).To(BeFalse(), bad)
	}
}

func TestParseAuditLocalhostPath(t *testing.T) {
	g := NewWithT(t)
	g.Expect(AuditLocalhostPath("ns", "p")).To(Equal("operator/ns/audit/p.json"))
	key, audit, ok := ParseLocalhostPathMode(AuditLocalhostPath("ns", "p"))
	g.Expect(ok).To(BeTrue())
	g.Expect(audit).To(BeTrue())
	g.Expect(key.String()).To(Equal("ns/p"))
	// A profile named "audit" is a file, not the audit directory.
	key, audit, ok = ParseLocalhostPathMode(LocalhostPath("ns", "audit"))
	g.Expect(ok).To(BeTrue())
	g.Expect(audit).To(BeFalse())
	g.Expect(key.String()).To(Equal("ns/audit"))
}
