package profilegate

import (
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	apparmorprofilev1alpha1 "github.com/securityprofiles/operator/apis/apparmorprofile/v1alpha1"
	profilebindingv1alpha1 "github.com/securityprofiles/operator/apis/profilebinding/v1alpha1"
	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
	"github.com/securityprofiles/operator/internal/podprofiles"
)

func TestRefs(t *testing.T) {
	g := NewWithT(t)
	path := func(p string) *corev1.SeccompProfile {
		return &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: &p}
	}
	sel := func(t string) *corev1.SELinuxOptions { return &corev1.SELinuxOptions{Type: t} }
	apparmor := func(n string) *corev1.AppArmorProfile {
		return &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeLocalhost, LocalhostProfile: &n}
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Annotations: map[string]string{
			corev1.DeprecatedAppArmorBetaContainerAnnotationKeyPrefix + "c": "localhost/from-annotation",
		}},
		Spec: corev1.PodSpec{
			SecurityContext: &corev1.PodSecurityContext{SeccompProfile: path(podprofiles.LocalhostPath("other", "sec")), SELinuxOptions: sel("spc_t")},
			Containers: []corev1.Container{
				{Name: "a", SecurityContext: &corev1.SecurityContext{SeccompProfile: path(podprofiles.AuditLocalhostPath("other", "sec")), SELinuxOptions: sel("web_ns.process"), AppArmorProfile: apparmor("web")}},
				{Name: "b", SecurityContext: &corev1.SecurityContext{SELinuxOptions: sel("theirs_other.process"), AppArmorProfile: apparmor("Not/An.Object")}},
				{Name: "c", SecurityContext: &corev1.SecurityContext{SELinuxOptions: sel("container_t")}},
			},
		},
	}
	key := func(ns, n string) types.NamespacedName { return types.NamespacedName{Namespace: ns, Name: n} }
	g.Expect(Refs(pod)).To(Equal([]Ref{
		{Kind: profilebindingv1alpha1.ProfileKindAppArmor, Key: key("ns", "from-annotation")},
		{Kind: profilebindingv1alpha1.ProfileKindAppArmor, Key: key("ns", "web")},
		{Kind: profilebindingv1alpha1.ProfileKindSeccomp, Key: key("other", "sec")},
		{Kind: profilebindingv1alpha1.ProfileKindSelinux, Key: key("ns", "web")},
	}))
}

func TestRefOf(t *testing.T) {
	g := NewWithT(t)
	raw := &selinuxprofilev1alpha2.RawSelinuxProfile{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p"}}
	ref, ok := RefOf(raw)
	g.Expect(ok).To(BeTrue())
	g.Expect(ref.String()).To(Equal("SelinuxProfile ns/p"), "a raw policy answers the same references as a SelinuxProfile")
	ref, ok = RefOf(&apparmorprofilev1alpha1.AppArmorProfile{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p"}})
	g.Expect(ok).To(BeTrue())
	g.Expect(ref.String()).To(Equal("AppArmorProfile ns/p"))
	_, ok = RefOf(&corev1.Pod{})
	g.Expect(ok).To(BeFalse())
}
