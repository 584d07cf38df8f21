package binding_test

import (
	"context"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	apparmorprofilev1alpha1 "github.com/securityprofiles/operator/apis/apparmorprofile/v1alpha1"
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

// appArmorProfile creates an AppArmorProfile, marked Installed when
// installed is set and Pending (no status) otherwise.
func appArmorProfile(ctx context.Context, ns, name string, installed bool) {
	ap := &apparmorprofilev1alpha1.AppArmorProfile{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       apparmorprofilev1alpha1.AppArmorProfileSpec{Policy: "profile " + name + " flags=(attach_disconnected) {\n  file,\n  deny /** w,\n}\n"},
	}
	Expect(k8s.Create(ctx, ap)).To(Succeed())
	if installed {
		ap.Status.SetState(profilebasev1alpha1.StateInstalled, "Installed", "installed on every node", ap.Generation)
		Expect(k8s.Status().Update(ctx, ap)).To(Succeed())
	}
}

// rawSelinuxProfile creates a RawSelinuxProfile no node reported on yet.
func rawSelinuxProfile(ctx context.Context, ns, name string) {
	Expect(k8s.Create(ctx, &selinuxprofilev1alpha2.RawSelinuxProfile{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       selinuxprofilev1alpha2.RawSelinuxProfileSpec{Policy: "(block " + name + "_" + ns + " (type process))"},
	})).To(Succeed())
}

// appArmorOf is a container's AppArmor field as "<type>" or
// "Localhost/<name>", "" without one.
func appArmorOf(c *corev1.Container) string {
	if c.SecurityContext == nil || c.SecurityContext.AppArmorProfile == nil {
		return ""
	}
	p := c.SecurityContext.AppArmorProfile
	if p.LocalhostProfile != nil {
		return string(p.Type) + "/" + *p.LocalhostProfile
	}
	return string(p.Type)
}

// selinuxTypeOf is a container's own SELinux type, "" without one.
func selinuxTypeOf(c *corev1.Container) string {
	if c.SecurityContext == nil || c.SecurityContext.SELinuxOptions == nil {
		return ""
	}
	return c.SecurityContext.SELinuxOptions.Type
}
