package lsmprofile_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
	"github.com/securityprofiles/operator/controllers/lsmprofile"
	"github.com/securityprofiles/operator/test/require"
)

// profile is one kind under test: the object, its disabled switch and its
// status.
type profile struct {
	kind   nodestatusv1alpha1.ProfileKind
	obj    client.Object
	toggle func(bool)
	status func() *profilebasev1alpha1.StatusBase
}

func profiles(ns string) []profile {
	se := &selinuxprofilev1alpha2.SelinuxProfile{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "se"}}
	raw := &selinuxprofilev1alpha2.RawSelinuxProfile{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "raw"},
		Spec: selinuxprofilev1alpha2.RawSelinuxProfileSpec{Policy: "(blockinherit container)"}}
	aa := newAppArmor(ns, "aa", "profile aa flags=(attach_disconnected) {}")
	return []profile{
		{"SelinuxProfile", se, func(d bool) { se.Spec.Disabled = d }, func() *profilebasev1alpha1.StatusBase { return &se.Status.StatusBase }},
		{"RawSelinuxProfile", raw, func(d bool) { raw.Spec.Disabled = d }, func() *profilebasev1alpha1.StatusBase { return &raw.Status.StatusBase }},
		{"AppArmorProfile", aa, func(d bool) { aa.Spec.Disabled = d }, func() *profilebasev1alpha1.StatusBase { return &aa.Status.StatusBase }},
	}
}

var _ = Describe("spec.disabled", func() {
	It("reads Disabled at once while set, Pending once enabled again, and leaves other profiles alone", func(ctx SpecContext) {
		require.Command(GinkgoTB(), "apparmor_parser")
		ns := newNamespace(ctx, "disabled-")
		for _, p := range profiles(ns) {
			p.toggle(true)
			Expect(env.Client.Create(ctx, p.obj)).To(Succeed())
		}
		for _, p := range profiles(ns) {
			Eventually(statusOf(ctx, p.obj, p.status)).WithTimeout(timeout).Should(
				haveState(profilebasev1alpha1.StateDisabled, lsmprofile.ReasonDisabled), "%s", p.kind)

			before := p.obj.DeepCopyObject().(client.Object)
			p.toggle(false)
			Expect(env.Client.Patch(ctx, p.obj, client.MergeFrom(before))).To(Succeed())
			Eventually(statusOf(ctx, p.obj, p.status)).WithTimeout(timeout).Should(
				haveState(profilebasev1alpha1.StatePending, "Pending"), "%s", p.kind)
		}

		never := &selinuxprofilev1alpha2.SelinuxProfile{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "never-disabled"}}
		Expect(env.Client.Create(ctx, never)).To(Succeed())
		Eventually(statusOf(ctx, never, func() *profilebasev1alpha1.StatusBase { return &never.Status.StatusBase })).
			WithTimeout(timeout).Should(haveState(profilebasev1alpha1.StatePending, "Pending"))
	})
})

var _ = Describe("In-use protection", func() {
	It("keeps a profile a running pod uses until the pod is gone", func(ctx SpecContext) {
		ns := newNamespace(ctx, "in-use-")
		se := &selinuxprofilev1alpha2.SelinuxProfile{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"}}
		aa := newAppArmor(ns, "web", "profile web {\n  file,\n}\n")
		Expect(env.Client.Create(ctx, se)).To(Succeed())
		Expect(env.Client.Create(ctx, aa)).To(Succeed())
		// One pod uses both: the SELinux type in a container's context,
		// the AppArmor profile through the deprecated annotation.
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web-0", Annotations: map[string]string{
				corev1.DeprecatedAppArmorBetaContainerAnnotationKeyPrefix + "app": "localhost/web"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx",
				SecurityContext: &corev1.SecurityContext{SELinuxOptions: &corev1.SELinuxOptions{Type: "web_" + ns + ".process"}}}}},
		}
		Expect(env.Client.Create(ctx, pod)).To(Succeed())
		Eventually(func(g Gomega) []string {
			g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(se), se)).To(Succeed())
			return se.Status.ActiveWorkloads
		}).WithTimeout(timeout).Should(Equal([]string{ns + "/web-0"}))
		Eventually(func(g Gomega) []string {
			g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(aa), aa)).To(Succeed())
			return aa.Status.ActiveWorkloads
		}).WithTimeout(timeout).Should(Equal([]string{ns + "/web-0"}))
		// The finalizer is added before the status names the pod, so a
		// user who sees it there cannot delete the profile from under it.
		Expect(se.Finalizers).To(ContainElement(keys.InUseFinalizer))
		Expect(aa.Finalizers).To(ContainElement(keys.InUseFinalizer))

		for _, obj := range []client.Object{se, aa} {
			Expect(env.Client.Delete(ctx, obj)).To(Succeed())
		}
		// Terminating is only ever written while pods hold the profile;
		// without them the finalizer would have gone instead.
		Eventually(selinuxStatus(ctx, se)).WithTimeout(timeout).Should(HaveField("Status", profilebasev1alpha1.StateTerminating))
		Expect(se.Finalizers).To(ContainElement(keys.InUseFinalizer))
		Eventually(statusOf(ctx, aa, func() *profilebasev1alpha1.StatusBase { return &aa.Status.StatusBase })).
			WithTimeout(timeout).Should(HaveField("Status", profilebasev1alpha1.StateTerminating))

		Expect(env.Client.Delete(ctx, pod, client.GracePeriodSeconds(0))).To(Succeed())
		for _, obj := range []client.Object{se, aa} {
			Eventually(func() bool {
				return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKeyFromObject(obj), obj))
			}).WithTimeout(timeout).Should(BeTrue(), "%T", obj)
		}
	})

	It("does not count a pod of another namespace that names the profile's type", func(ctx SpecContext) {
		ns, other := newNamespace(ctx, "in-use-"), newNamespace(ctx, "in-use-")
		se := &selinuxprofilev1alpha2.SelinuxProfile{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"}}
		Expect(env.Client.Create(ctx, se)).To(Succeed())
		Expect(env.Client.Create(ctx, &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: other, Name: "stranger"},
			Spec: corev1.PodSpec{
				SecurityContext: &corev1.PodSecurityContext{SELinuxOptions: &corev1.SELinuxOptions{Type: "web_" + ns + ".process"}},
				Containers:      []corev1.Container{{Name: "app", Image: "nginx"}}},
		})).To(Succeed())
		Eventually(selinuxStatus(ctx, se)).WithTimeout(timeout).Should(HaveField("Status", profilebasev1alpha1.StatePending))
		Expect(env.Client.Delete(ctx, se)).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKeyFromObject(se), se))
		}).WithTimeout(timeout).Should(BeTrue())
	})
})
