package binding_test

import (
	"context"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/securityprofiles/operator/apis/keys"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	profilebindingv1alpha1 "github.com/securityprofiles/operator/apis/profilebinding/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
	"github.com/securityprofiles/operator/test/webhooktest"
)

var bindingNS = map[string]string{keys.EnableBindingLabel: ""}

// installedSeccompProfile creates a SeccompProfile and marks it Installed
// with its localhostProfile, as the node daemon and manager would.
func installedSeccompProfile(ctx context.Context, ns, name string) string {
	sp := &seccompprofilev1beta1.SeccompProfile{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       seccompprofilev1beta1.SeccompProfileSpec{DefaultAction: "SCMP_ACT_LOG"},
	}
	Expect(k8s.Create(ctx, sp)).To(Succeed())
	path := "operator/" + ns + "/" + name + ".json"
	sp.Status.SetState(profilebasev1alpha1.StateInstalled, "Installed", "installed on every node", sp.Generation)
	sp.Status.LocalhostProfile = path
	Expect(k8s.Status().Update(ctx, sp)).To(Succeed())
	return path
}

// installedSelinuxProfile creates a SelinuxProfile and marks it Installed
// with its usage type.
func installedSelinuxProfile(ctx context.Context, ns, name string) string {
	sp := &selinuxprofilev1alpha2.SelinuxProfile{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
	Expect(k8s.Create(ctx, sp)).To(Succeed())
	usage := name + "_" + ns + ".process"
	sp.Status.SetState(profilebasev1alpha1.StateInstalled, "Installed", "installed on every node", sp.Generation)
	sp.Status.Usage = usage
	Expect(k8s.Status().Update(ctx, sp)).To(Succeed())
	return usage
}

func newBinding(ctx context.Context, ns, name string, kind profilebindingv1alpha1.ProfileKind, profile, image string) *profilebindingv1alpha1.ProfileBinding {
	b := &profilebindingv1alpha1.ProfileBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: profilebindingv1alpha1.ProfileBindingSpec{
			ProfileRef: profilebindingv1alpha1.ProfileRef{Kind: kind, Name: profile},
			Image:      image,
		},
	}
	Expect(k8s.Create(ctx, b)).To(Succeed())
	return b
}

func newPod(ns, name string, containers ...corev1.Container) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, Spec: corev1.PodSpec{Containers: containers}}
}

func container(name, image string) corev1.Container {
	return corev1.Container{Name: name, Image: image}
}

func createWhen(ctx context.Context, pod *corev1.Pod, ready func(Gomega, *corev1.Pod)) *corev1.Pod {
	return webhooktest.CreateWhen(ctx, k8s, warnings, pod, ready, timeout, interval)
}

// seccompOf is a container's Localhost profile path, or its type for any
// other profile, or "" without one.
func seccompOf(c *corev1.Container) string {
	if c.SecurityContext == nil || c.SecurityContext.SeccompProfile == nil {
		return ""
	}
	if p := c.SecurityContext.SeccompProfile.LocalhostProfile; p != nil {
		return *p
	}
	return string(c.SecurityContext.SeccompProfile.Type)
}

func localhost(path string) *corev1.SeccompProfile {
	return &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: &path}
}

// selinuxProfile is a SelinuxProfile without status: Pending.
func selinuxProfile(ns, name string) *selinuxprofilev1alpha2.SelinuxProfile {
	return &selinuxprofilev1alpha2.SelinuxProfile{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
}
