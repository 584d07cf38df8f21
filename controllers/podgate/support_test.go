package podgate_test

import (
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/securityprofiles/operator/apis/keys"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	"github.com/securityprofiles/operator/internal/podprofiles"
)

// otherGate is someone else's scheduling gate, which must survive.
const otherGate = "example.com/other"

func newProfile(ns, name string) *seccompprofilev1beta1.SeccompProfile {
	sp := &seccompprofilev1beta1.SeccompProfile{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       seccompprofilev1beta1.SeccompProfileSpec{DefaultAction: seccompprofilev1beta1.ActionLog},
	}
	Expect(env.Client.Create(ctx(), sp)).To(Succeed())
	return sp
}

// setState writes a profile's status as the SeccompProfile controller
// would, which does not run in this suite.
func setState(sp *seccompprofilev1beta1.SeccompProfile, state profilebasev1alpha1.ProfileState, reason, message string) {
	Eventually(func() error {
		got := &seccompprofilev1beta1.SeccompProfile{}
		if err := env.Client.Get(ctx(), client.ObjectKeyFromObject(sp), got); err != nil {
			return err
		}
		got.Status.SetState(state, reason, message, got.Generation)
		return env.Client.Status().Update(ctx(), got)
	}, timeout).Should(Succeed())
}

func localhost(p string) *corev1.SeccompProfile {
	return &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: &p}
}

// newGatedPod creates an unscheduled pod, gated as the binding webhook
// gates it, using profile at pod level and containerProfile (a
// localhostProfile path, may be empty) in its container.
func newGatedPod(ns, name string, profile *seccompprofilev1beta1.SeccompProfile, containerProfile string, gates ...string) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: corev1.PodSpec{
			SecurityContext: &corev1.PodSecurityContext{SeccompProfile: localhost(podprofiles.LocalhostPath(profile.Namespace, profile.Name))},
			Containers:      []corev1.Container{{Name: "app", Image: "nginx"}},
		},
	}
	if containerProfile != "" {
		pod.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{SeccompProfile: localhost(containerProfile)}
	}
	for _, g := range append([]string{keys.ProfilesInstalledGate}, gates...) {
		pod.Spec.SchedulingGates = append(pod.Spec.SchedulingGates, corev1.PodSchedulingGate{Name: g})
	}
	Expect(env.Client.Create(ctx(), pod)).To(Succeed())
	return pod
}

// gates returns a pod's scheduling gates.
func gates(pod *corev1.Pod) func(Gomega) []string {
	return func(g Gomega) []string {
		got := &corev1.Pod{}
		g.Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(pod), got)).To(Succeed())
		var out []string
		for _, gate := range got.Spec.SchedulingGates {
			out = append(out, gate.Name)
		}
		return out
	}
}

// condition returns a pod's ProfilesInstalled condition, empty when unset.
func condition(pod *corev1.Pod) func(Gomega) corev1.PodCondition {
	return func(g Gomega) corev1.PodCondition {
		got := &corev1.Pod{}
		g.Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(pod), got)).To(Succeed())
		for _, c := range got.Status.Conditions {
			if c.Type == keys.ProfilesInstalledCondition {
				return c
			}
		}
		return corev1.PodCondition{}
	}
}

// held matches the condition of a pod the gate holds.
func held(reason, message string) OmegaMatcher {
	return And(
		HaveField("Status", corev1.ConditionFalse),
		HaveField("Reason", reason),
		HaveField("Message", ContainSubstring(message)))
}

// released matches the condition of a released pod.
func released(reason string) OmegaMatcher {
	return And(HaveField("Status", corev1.ConditionTrue), HaveField("Reason", reason))
}

// events counts the Events of a type and reason on a pod, a series as its
// count: the recorder folds a repeated Event into a series instead of
// creating another object.
func events(pod *corev1.Pod, typ, reason string) func(Gomega) int {
	return func(g Gomega) int {
		list := &eventsv1.EventList{}
		g.Expect(env.Client.List(ctx(), list, client.InNamespace(pod.Namespace))).To(Succeed())
		n := 0
		for _, e := range list.Items {
			if e.Regarding.Kind != "Pod" || e.Regarding.Name != pod.Name || e.Type != typ || e.Reason != reason {
				continue
			}
			if e.Series != nil {
				n += int(e.Series.Count)
			} else {
				n++
			}
		}
		return n
	}
}

// notes returns the notes of a pod's Events of one reason.
func notes(pod *corev1.Pod, reason string) func(Gomega) []string {
	return func(g Gomega) []string {
		list := &eventsv1.EventList{}
		g.Expect(env.Client.List(ctx(), list, client.InNamespace(pod.Namespace))).To(Succeed())
		var out []string
		for _, e := range list.Items {
			if e.Regarding.Name == pod.Name && e.Reason == reason {
				out = append(out, e.Note)
			}
		}
		return out
	}
}

// metric reads a counter or gauge from controller-runtime's registry.
func metric(name string) float64 {
	families, err := metrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			return m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return 0
}
