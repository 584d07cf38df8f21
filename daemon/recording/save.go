package recording

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	profilerecordingv1alpha1 "github.com/securityprofiles/operator/apis/profilerecording/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
)

// built is a recorded profile ready to save, and what the recording's
// Event says of it.
type built struct {
	obj client.Object
	// kind is obj's kind, for messages.
	kind string
	// summary says what the profile holds, e.g. "12 syscalls".
	summary string
	// missing names what an incomplete recording may lack.
	missing string
	// dropped says what building left out, empty when nothing.
	dropped string
}

// writeProfile creates the container's profile, of the kind its recording
// asks for, or updates it when an earlier run of the same recording made
// it. A profile of the same name that the recording did not make is left
// alone.
func (r *Reconciler) writeProfile(ctx context.Context, t *tracked, tg Target, got Collected) error {
	rec := &profilerecordingv1alpha1.ProfileRecording{}
	merge, disable := false, false
	err := r.Client.Get(ctx, types.NamespacedName{Namespace: t.pod.Namespace, Name: tg.Recording}, rec)
	switch {
	case err == nil:
		merge = rec.Spec.MergeStrategy == profilerecordingv1alpha1.MergeContainers
		disable = rec.Spec.DisableProfileAfterRecording
	case !apierrors.IsNotFound(err):
		return fmt.Errorf("read recording %s: %w", tg.Recording, err)
	}
	b, err := build(Recorded{Pod: t.pod, Target: tg, MergeContainers: merge, Names: got.Names, Denials: got.Denials,
		Arch: r.Arch, BaseProfile: r.BaseProfile}, disable)
	if err != nil {
		return err
	}
	desired := b.obj
	existing := emptyLike(desired)
	err = r.Client.Get(ctx, client.ObjectKeyFromObject(desired), existing)
	switch {
	case apierrors.IsNotFound(err):
		err = r.Client.Create(ctx, desired)
	case err != nil:
	case existing.GetLabels()[keys.RecordingIDLabel] != desired.GetLabels()[keys.RecordingIDLabel]:
		r.event(ctx, t.pod.Namespace, tg.Recording, corev1.EventTypeWarning, ReasonProfileNameTaken,
			"%s %s exists and was not recorded by this recording; container %s of pod %s was not saved", b.kind, desired.GetName(), tg.Container, t.pod.Name)
		return nil
	default:
		adopt(existing, desired)
		err = r.Client.Update(ctx, existing)
	}
	if err != nil {
		return fmt.Errorf("save profile %s/%s: %w", desired.GetNamespace(), desired.GetName(), err)
	}
	if b.dropped != "" {
		got.Incomplete = joinReasons(got.Incomplete, b.dropped)
	}
	r.report(ctx, t, tg, got, b)
	return nil
}

// build makes the profile of a recorded container: a SelinuxProfile for a
// SELinux recording, a SeccompProfile otherwise. disable is the
// recording's disableProfileAfterRecording: the profile waits for review
// before any node enforces it.
func build(in Recorded, disable bool) (built, error) {
	if in.Target.Kind == string(profilerecordingv1alpha1.RecordingKindSelinux) {
		sp, dropped := SelinuxProfile(in)
		sp.Spec.Disabled = disable
		b := built{obj: sp, kind: "SelinuxProfile", summary: permissionsSummary(sp.Spec.Allow), missing: "permissions"}
		if dropped > 0 {
			b.dropped = fmt.Sprintf("%d denials did not fit the SelinuxProfile API's limits (%d types, %d classes per type, %d permissions per class)",
				dropped, maxAllowTypes, maxAllowClasses, maxAllowPerms)
		}
		return b, nil
	}
	sp, err := Profile(in)
	if err != nil {
		return built{}, err
	}
	sp.Spec.Disabled = disable
	return built{obj: sp, kind: "SeccompProfile", summary: fmt.Sprintf("%d syscalls", len(in.Names)+1), missing: "syscalls"}, nil
}

// permissionsSummary counts the permissions an allow map grants.
func permissionsSummary(allow selinuxprofilev1alpha2.Allow) string {
	n := 0
	for _, classes := range allow {
		for _, perms := range classes {
			n += len(perms)
		}
	}
	if n == 0 {
		return "no denials: the system policy " + recordedBasePolicy + " allowed all it did"
	}
	return fmt.Sprintf("%d permissions on %d types", n, len(allow))
}

// emptyLike returns an empty object of obj's kind to read into: decoding
// into a copy of obj would merge its labels into what the server has.
func emptyLike(obj client.Object) client.Object {
	if _, ok := obj.(*selinuxprofilev1alpha2.SelinuxProfile); ok {
		return &selinuxprofilev1alpha2.SelinuxProfile{}
	}
	return &seccompprofilev1beta1.SeccompProfile{}
}

// adopt gives existing the spec and labels of desired, of the same kind,
// and keeps the rest (finalizers, annotations) as others set it.
func adopt(existing, desired client.Object) {
	switch e := existing.(type) {
	case *selinuxprofilev1alpha2.SelinuxProfile:
		e.Spec = desired.(*selinuxprofilev1alpha2.SelinuxProfile).Spec
	case *seccompprofilev1beta1.SeccompProfile:
		e.Spec = desired.(*seccompprofilev1beta1.SeccompProfile).Spec
	}
	existing.SetLabels(desired.GetLabels())
}

// report counts a recorded container and tells its recording.
func (r *Reconciler) report(ctx context.Context, t *tracked, tg Target, got Collected, b built) {
	if r.Recorder == string(profilerecordingv1alpha1.RecorderBPF) {
		bpfProfiles.WithLabelValues(r.NodeName, t.pod.Namespace, b.obj.GetName()).Inc()
	}
	if got.Incomplete != "" {
		recordingOutcomes.WithLabelValues(r.Recorder, outcomeIncomplete).Inc()
		r.event(ctx, t.pod.Namespace, tg.Recording, corev1.EventTypeWarning, ReasonRecordingIncomplete,
			"%s %s may miss %s of container %s of pod %s: %s", b.kind, b.obj.GetName(), b.missing, tg.Container, t.pod.Name, got.Incomplete)
		return
	}
	recordingOutcomes.WithLabelValues(r.Recorder, outcomeRecorded).Inc()
	r.event(ctx, t.pod.Namespace, tg.Recording, corev1.EventTypeNormal, ReasonProfileRecorded,
		"Recorded container %s of pod %s on node %s into %s %s (%s)", tg.Container, t.pod.Name, r.NodeName, b.kind, b.obj.GetName(), b.summary)
}

// joinReasons joins two reasons a recording is incomplete.
func joinReasons(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
