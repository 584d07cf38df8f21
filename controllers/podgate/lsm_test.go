package podgate_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apparmorprofilev1alpha1 "github.com/securityprofiles/operator/apis/apparmorprofile/v1alpha1"
	"github.com/securityprofiles/operator/apis/keys"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	profilebindingv1alpha1 "github.com/securityprofiles/operator/apis/profilebinding/v1alpha1"
	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
	"github.com/securityprofiles/operator/controllers/podgate"
)

var _ = Describe("Pod gate for SELinux and AppArmor profiles", func() {
	It("holds a pod until its SelinuxProfile, RawSelinuxProfile and AppArmorProfile are each Installed", func() {
		ns := newNamespace()
		web := create(&selinuxprofilev1alpha2.SelinuxProfile{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "web"}})
		raw := create(&selinuxprofilev1alpha2.RawSelinuxProfile{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "raw"},
			Spec: selinuxprofilev1alpha2.RawSelinuxProfileSpec{Policy: "(block raw_" + ns + " (type process))"}})
		aa := create(&apparmorprofilev1alpha1.AppArmorProfile{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "aa"},
			Spec: apparmorprofilev1alpha1.AppArmorProfileSpec{Policy: "profile aa {}"}})
		pod := newLSMGatedPod(ns, "app", nil, lsm("web_"+ns+".process", ""), lsm("raw_"+ns+".process", "aa"))
		Eventually(condition(pod), timeout).Should(held(podgate.ReasonNotInstalled,
			"AppArmorProfile "+ns+"/aa is Pending; RawSelinuxProfile "+ns+"/raw is Pending; SelinuxProfile "+ns+"/web is Pending"))

		// Each step is seen through that kind's watch alone.
		setInstalled(aa)
		Eventually(condition(pod), timeout).Should(HaveField("Message", "RawSelinuxProfile "+ns+"/raw is Pending; SelinuxProfile "+ns+"/web is Pending"))
		setInstalled(raw)
		Eventually(condition(pod), timeout).Should(HaveField("Message", "SelinuxProfile "+ns+"/web is Pending"))
		Expect(gates(pod)(Default)).To(ConsistOf(keys.ProfilesInstalledGate))
		setInstalled(web)
		Eventually(gates(pod), timeout).Should(BeEmpty())
		Expect(condition(pod)(Default)).To(released(podgate.ReasonInstalled))
	})

	It("releases a pod whose SELinux types and AppArmor profiles name no profile of ours: spc_t, a node's own profile", func() {
		ns := newNamespace()
		pod := newLSMGatedPod(ns, "system", nil, lsm("spc_t", "node-own"), lsm("gone_"+ns+".process", ""))
		Eventually(gates(pod), timeout).Should(BeEmpty())
		Expect(condition(pod)(Default)).To(And(released(podgate.ReasonInstalled), HaveField("Message", "the pod uses no operator-managed profile")))
	})

	It("waits for a bound AppArmorProfile that does not exist yet", func() {
		ns := newNamespace()
		create(&profilebindingv1alpha1.ProfileBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "later"},
			Spec: profilebindingv1alpha1.ProfileBindingSpec{Image: "nginx",
				ProfileRef: profilebindingv1alpha1.ProfileRef{Kind: profilebindingv1alpha1.ProfileKindAppArmor, Name: "later"}}})
		pod := newLSMGatedPod(ns, "app", map[string]string{keys.BindingsAnnotation: "later"}, lsm("", "later"))
		Eventually(condition(pod), timeout).Should(held(podgate.ReasonNotFound, "AppArmorProfile "+ns+"/later does not exist"))

		aa := create(&apparmorprofilev1alpha1.AppArmorProfile{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "later"},
			Spec: apparmorprofilev1alpha1.AppArmorProfileSpec{Policy: "profile later {}"}})
		Eventually(condition(pod), timeout).Should(held(podgate.ReasonNotInstalled, "AppArmorProfile "+ns+"/later is Pending"))
		setInstalled(aa)
		Eventually(gates(pod), timeout).Should(BeEmpty())
	})
})

// create creates obj and returns it.
func create[T client.Object](obj T) T {
	Expect(env.Client.Create(ctx(), obj)).To(Succeed())
	return obj
}

// setInstalled marks an SELinux or AppArmor profile Installed, as the
// manager would once every node installed it.
func setInstalled(obj client.Object) {
	Eventually(func() error {
		if err := env.Client.Get(ctx(), client.ObjectKeyFromObject(obj), obj); err != nil {
			return err
		}
		var status *profilebasev1alpha1.StatusBase
		switch o := obj.(type) {
		case *selinuxprofilev1alpha2.SelinuxProfile:
			status = &o.Status.StatusBase
		case *selinuxprofilev1alpha2.RawSelinuxProfile:
			status = &o.Status.StatusBase
		case *apparmorprofilev1alpha1.AppArmorProfile:
			status = &o.Status.StatusBase
		}
		status.SetState(profilebasev1alpha1.StateInstalled, "Installed", "installed on all 1 node(s)", obj.GetGeneration())
		return env.Client.Status().Update(ctx(), obj)
	}, timeout).Should(Succeed())
}

// lsm is a container security context with an SELinux type and a
// Localhost AppArmor profile, each left out when empty.
func lsm(selinuxType, appArmor string) *corev1.SecurityContext {
	sc := &corev1.SecurityContext{}
	if selinuxType != "" {
		sc.SELinuxOptions = &corev1.SELinuxOptions{Type: selinuxType}
	}
	if appArmor != "" {
		sc.AppArmorProfile = &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeLocalhost, LocalhostProfile: &appArmor}
	}
	return sc
}

// newLSMGatedPod creates an unscheduled pod, gated as the binding webhook
// gates it, with one container per security context.
func newLSMGatedPod(ns, name string, annotations map[string]string, contexts ...*corev1.SecurityContext) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Annotations: annotations},
		Spec:       corev1.PodSpec{SchedulingGates: []corev1.PodSchedulingGate{{Name: keys.ProfilesInstalledGate}}},
	}
	for i, sc := range contexts {
		pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{Name: string(rune('a' + i)), Image: "nginx", SecurityContext: sc})
	}
	return create(pod)
}
