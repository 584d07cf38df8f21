package profilerecording

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/equality"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	profilerecordingv1alpha1 "github.com/securityprofiles/operator/apis/profilerecording/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
)

// A recording's profiles are handled as client.Objects of either kind it
// can record; what differs between the kinds is in this file.

// listProfiles lists the SeccompProfiles and SelinuxProfiles labelled
// with the recording. Both: a recording's kind may change while it
// records, and the profiles of the old kind are still its own.
func (r *Reconciler) listProfiles(ctx context.Context, rec *profilerecordingv1alpha1.ProfileRecording) ([]client.Object, error) {
	seccomp := &seccompprofilev1beta1.SeccompProfileList{}
	selinux := &selinuxprofilev1alpha2.SelinuxProfileList{}
	for _, list := range []client.ObjectList{seccomp, selinux} {
		if err := r.Client.List(ctx, list, client.InNamespace(rec.Namespace),
			client.MatchingLabels{keys.RecordingIDLabel: rec.Name}); err != nil {
			return nil, fmt.Errorf("list profiles of recording %s/%s: %w", rec.Namespace, rec.Name, err)
		}
	}
	out := make([]client.Object, 0, len(seccomp.Items)+len(selinux.Items))
	for i := range seccomp.Items {
		out = append(out, &seccomp.Items[i])
	}
	for i := range selinux.Items {
		out = append(out, &selinux.Items[i])
	}
	return out, nil
}

// plan merges the partial profiles of each kind (see Plan and
// PlanSelinux) into the profiles that replace them, disabled when the
// recording asks for review first.
func plan(rec *profilerecordingv1alpha1.ProfileRecording, partials []client.Object) ([]client.Object, error) {
	var seccomp []seccompprofilev1beta1.SeccompProfile
	var selinux []selinuxprofilev1alpha2.SelinuxProfile
	for _, p := range partials {
		switch p := p.(type) {
		case *seccompprofilev1beta1.SeccompProfile:
			seccomp = append(seccomp, *p)
		case *selinuxprofilev1alpha2.SelinuxProfile:
			selinux = append(selinux, *p)
		}
	}
	mergedSeccomp, err := Plan(rec.Namespace, rec.Name, seccomp)
	if err != nil {
		return nil, err
	}
	mergedSelinux, err := PlanSelinux(rec.Namespace, rec.Name, selinux)
	if err != nil {
		return nil, err
	}
	out := make([]client.Object, 0, len(mergedSeccomp)+len(mergedSelinux))
	for i := range mergedSeccomp {
		mergedSeccomp[i].Spec.Disabled = rec.Spec.DisableProfileAfterRecording
		out = append(out, &mergedSeccomp[i])
	}
	for i := range mergedSelinux {
		mergedSelinux[i].Spec.Disabled = rec.Spec.DisableProfileAfterRecording
		out = append(out, &mergedSelinux[i])
	}
	return out, nil
}

// emptyLike returns an empty object of obj's kind to read into.
func emptyLike(obj client.Object) client.Object {
	if _, ok := obj.(*selinuxprofilev1alpha2.SelinuxProfile); ok {
		return &selinuxprofilev1alpha2.SelinuxProfile{}
	}
	return &seccompprofilev1beta1.SeccompProfile{}
}

// adoptSpec gives got the spec of want, an object of the same kind, and
// reports whether that changed got.
func adoptSpec(got, want client.Object) bool {
	switch g := got.(type) {
	case *seccompprofilev1beta1.SeccompProfile:
		w := want.(*seccompprofilev1beta1.SeccompProfile)
		if equality.Semantic.DeepEqual(g.Spec, w.Spec) {
			return false
		}
		g.Spec = w.Spec
	case *selinuxprofilev1alpha2.SelinuxProfile:
		w := want.(*selinuxprofilev1alpha2.SelinuxProfile)
		if equality.Semantic.DeepEqual(g.Spec, w.Spec) {
			return false
		}
		g.Spec = w.Spec
	}
	return true
}
