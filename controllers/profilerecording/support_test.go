package profilerecording_test

import (
	"sort"

	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	profilerecordingv1alpha1 "github.com/securityprofiles/operator/apis/profilerecording/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/controllers/profilerecording"
)

func newRecording(ns, name string, recorder profilerecordingv1alpha1.Recorder, merge profilerecordingv1alpha1.MergeStrategy) *profilerecordingv1alpha1.ProfileRecording {
	return &profilerecordingv1alpha1.ProfileRecording{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: profilerecordingv1alpha1.ProfileRecordingSpec{
			Kind: profilerecordingv1alpha1.RecordingKindSeccomp, Recorder: recorder, MergeStrategy: merge,
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "sp-record"}},
		},
	}
}

// newPartial is a partial profile as a node daemon records it for one pod
// of a recording with mergeStrategy containers.
func newPartial(ns, recording, container, suffix string, def seccompprofilev1beta1.Action, base string, allow ...string) *seccompprofilev1beta1.SeccompProfile {
	sp := newProfile(ns, recording+"-"+container+"-"+suffix, def, base, allow...)
	sp.Labels = map[string]string{
		keys.RecordingIDLabel: recording,
		keys.PartialLabel:     "true",
		keys.ContainerIDLabel: container,
		keys.ProfileIDLabel:   "SeccompProfile-" + recording + "-" + container + "-" + suffix,
	}
	return sp
}

func newProfile(ns, name string, def seccompprofilev1beta1.Action, base string, allow ...string) *seccompprofilev1beta1.SeccompProfile {
	sp := &seccompprofilev1beta1.SeccompProfile{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: seccompprofilev1beta1.SeccompProfileSpec{
			DefaultAction: def, BaseProfileName: base, Architectures: []seccompprofilev1beta1.Arch{"SCMP_ARCH_X86_64"},
		},
	}
	if len(allow) > 0 {
		rule := seccompprofilev1beta1.Syscall{Action: seccompprofilev1beta1.ActionAllow}
		for _, n := range allow {
			rule.Names = append(rule.Names, seccompprofilev1beta1.SyscallName(n))
		}
		sp.Spec.Syscalls = []seccompprofilev1beta1.Syscall{rule}
	}
	return sp
}

func create(objs ...client.Object) {
	for _, o := range objs {
		Expect(env.Client.Create(ctx(), o)).To(Succeed())
	}
}

// get reads the current version of obj's object.
func get[T client.Object](obj T) func(Gomega) T {
	return func(g Gomega) T {
		got := obj.DeepCopyObject().(T)
		g.Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(obj), got)).To(Succeed())
		return got
	}
}

// update changes obj's object, retrying when a controller wrote it in
// between.
func update[T client.Object](obj T, change func(T)) {
	Eventually(func(g Gomega) {
		got := get(obj)(g)
		change(got)
		g.Expect(env.Client.Update(ctx(), got)).To(Succeed())
	}, timeout).Should(Succeed())
}

// gone reports whether obj's object no longer exists.
func gone(obj client.Object) func() bool {
	return func() bool {
		return apierrors.IsNotFound(env.Client.Get(ctx(), client.ObjectKeyFromObject(obj), obj.DeepCopyObject().(client.Object)))
	}
}

// ready returns the recording's Ready condition, or an empty one.
func ready(rec *profilerecordingv1alpha1.ProfileRecording) func(Gomega) metav1.Condition {
	return func(g Gomega) metav1.Condition {
		got := get(rec)(g)
		if c := meta.FindStatusCondition(got.Status.Conditions, profilerecording.ConditionReady); c != nil {
			return *c
		}
		return metav1.Condition{}
	}
}

// statusProfiles returns the recording's status.profiles.
func statusProfiles(rec *profilerecordingv1alpha1.ProfileRecording) func(Gomega) []string {
	return func(g Gomega) []string { return get(rec)(g).Status.Profiles }
}

// profiles lists the sorted names of the SeccompProfiles in ns with labels.
func profiles(ns string, labels map[string]string) func(Gomega) []string {
	return func(g Gomega) []string {
		list := &seccompprofilev1beta1.SeccompProfileList{}
		g.Expect(env.Client.List(ctx(), list, client.InNamespace(ns), client.MatchingLabels(labels))).To(Succeed())
		var out []string
		for _, p := range list.Items {
			out = append(out, p.Name)
		}
		sort.Strings(out)
		return out
	}
}

// events returns the notes of the Events of type kind and reason about
// the object named name in ns.
func events(ns, name, kind, reason string) func(Gomega) []string {
	return func(g Gomega) []string {
		list := &eventsv1.EventList{}
		g.Expect(env.Client.List(ctx(), list, client.InNamespace(ns))).To(Succeed())
		var out []string
		for _, e := range list.Items {
			if e.Regarding.Name == name && e.Type == kind && e.Reason == reason {
				out = append(out, e.Note)
			}
		}
		return out
	}
}

// updateSpod changes the spod object and returns a function restoring
// its previous spec.
func updateSpod(change func(*spodv1alpha1.SPODSpec)) func() {
	spod := &spodv1alpha1.SecurityProfilesOperatorDaemon{}
	spod.Namespace, spod.Name = operatorNamespace, spodv1alpha1.Name
	saved := *get(spod)(Default).Spec.DeepCopy()
	update(spod, func(s *spodv1alpha1.SecurityProfilesOperatorDaemon) { change(&s.Spec) })
	return func() {
		update(spod, func(s *spodv1alpha1.SecurityProfilesOperatorDaemon) { s.Spec = saved })
	}
}
