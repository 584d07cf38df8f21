package podprofiles

import (
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func selinuxType(t string) *corev1.SecurityContext {
	return &corev1.SecurityContext{SELinuxOptions: &corev1.SELinuxOptions{Type: t}}
}

func TestSelinuxTypes(t *testing.T) {
	g := NewWithT(t)
	pod := &corev1.Pod{Spec: corev1.PodSpec{
		SecurityContext: &corev1.PodSecurityContext{SELinuxOptions: &corev1.SELinuxOptions{Type: "pod_ns.process", Level: "s0"}},
		InitContainers:  []corev1.Container{{SecurityContext: selinuxType("init_ns.process")}},
		Containers: []corev1.Container{
			{SecurityContext: selinuxType("init_ns.process")},
			{SecurityContext: &corev1.SecurityContext{SELinuxOptions: &corev1.SELinuxOptions{User: "system_u"}}},
			{SecurityContext: &corev1.SecurityContext{}},
			{},
		},
		EphemeralContainers: []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{
			SecurityContext: selinuxType("debug_ns.process")}}},
	}}
	g.Expect(SelinuxTypes(pod)).To(Equal([]string{"debug_ns.process", "init_ns.process", "pod_ns.process"}))
	g.Expect(SelinuxTypes(&corev1.Pod{})).To(BeEmpty())
}

func appArmor(typ corev1.AppArmorProfileType, name string) *corev1.AppArmorProfile {
	p := &corev1.AppArmorProfile{Type: typ}
	if name != "" {
		p.LocalhostProfile = &name
	}
	return p
}

func TestAppArmorProfiles(t *testing.T) {
	g := NewWithT(t)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{
			"container.apparmor.security.beta.kubernetes.io/app":     "localhost/legacy",
			"container.apparmor.security.beta.kubernetes.io/sidecar": "runtime/default",
			"container.apparmor.security.beta.kubernetes.io/other":   "unconfined",
			"container.apparmor.security.beta.kubernetes.io/empty":   "localhost/",
			"example.com/unrelated":                                  "localhost/not-apparmor",
		}},
		Spec: corev1.PodSpec{
			SecurityContext: &corev1.PodSecurityContext{AppArmorProfile: appArmor(corev1.AppArmorProfileTypeLocalhost, "pod-level")},
			InitContainers:  []corev1.Container{{SecurityContext: &corev1.SecurityContext{AppArmorProfile: appArmor(corev1.AppArmorProfileTypeLocalhost, "init")}}},
			Containers: []corev1.Container{
				{SecurityContext: &corev1.SecurityContext{AppArmorProfile: appArmor(corev1.AppArmorProfileTypeLocalhost, "init")}},
				{SecurityContext: &corev1.SecurityContext{AppArmorProfile: appArmor(corev1.AppArmorProfileTypeRuntimeDefault, "not-localhost")}},
				{SecurityContext: &corev1.SecurityContext{AppArmorProfile: appArmor(corev1.AppArmorProfileTypeLocalhost, "")}},
			},
			EphemeralContainers: []corev1.EphemeralContainer{{EphemeralContainerCommon: corev1.EphemeralContainerCommon{
				SecurityContext: &corev1.SecurityContext{AppArmorProfile: appArmor(corev1.AppArmorProfileTypeLocalhost, "debug")}}}},
		},
	}
	g.Expect(AppArmorProfiles(pod)).To(Equal([]string{"debug", "init", "legacy", "pod-level"}))
	g.Expect(AppArmorProfiles(&corev1.Pod{})).To(BeEmpty())
}
