package profilerecording

import (
	"context"
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/securityprofiles/operator/apis/keys"
	profilerecordingv1alpha1 "github.com/securityprofiles/operator/apis/profilerecording/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
)

// errNotOurs marks a merged profile name taken by a profile the recording
// did not produce: it is never overwritten.
var errNotOurs = errors.New("exists and was not produced by the recording")

// reconcileDelete merges the partial profiles of a deleted recording into
// one profile per container, deletes the partials and then releases the
// recording. When the partials cannot be merged it reports why and keeps
// the finalizer.
func (r *Reconciler) reconcileDelete(ctx context.Context, rec *profilerecordingv1alpha1.ProfileRecording) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(rec, keys.MergeFinalizer) {
		return ctrl.Result{}, nil
	}
	// The cache may still hold a recording that the previous pass merged
	// and released, next to partials it deleted: merging again would
	// repeat the creates and the Event. Only the API server knows.
	live := &profilerecordingv1alpha1.ProfileRecording{}
	if err := r.APIReader.Get(ctx, client.ObjectKeyFromObject(rec), live); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(fmt.Errorf("read %s/%s: %w", rec.Namespace, rec.Name, err))
	}
	if !controllerutil.ContainsFinalizer(live, keys.MergeFinalizer) {
		return ctrl.Result{}, nil
	}
	rec = live
	profiles, err := r.listProfiles(ctx, rec)
	if err != nil {
		return ctrl.Result{}, err
	}
	partials := partialsOf(profiles)
	merged, err := Plan(rec.Namespace, rec.Name, partials)
	if err != nil {
		return ctrl.Result{}, r.failMerge(ctx, rec, profiles, err)
	}
	err = r.applyMerged(ctx, rec, merged)
	if errors.Is(err, errNotOurs) {
		return ctrl.Result{}, r.failMerge(ctx, rec, profiles, err)
	}
	if err != nil {
		return ctrl.Result{}, err
	}
	deleted, err := r.deletePartials(ctx, partials)
	if err != nil {
		return ctrl.Result{}, err
	}
	if deleted > 0 {
		r.announce(ctx, rec, deleted, merged)
	}
	// Optimistic lock: the finalizer list is replaced as a whole.
	patch := client.MergeFromWithOptions(rec.DeepCopy(), client.MergeFromWithOptimisticLock{})
	controllerutil.RemoveFinalizer(rec, keys.MergeFinalizer)
	if err := r.Client.Patch(ctx, rec, patch); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(fmt.Errorf("remove finalizer from %s/%s: %w", rec.Namespace, rec.Name, err))
	}
	return ctrl.Result{}, nil
}

// announce logs and records the merge on the recording.
func (r *Reconciler) announce(ctx context.Context, rec *profilerecordingv1alpha1.ProfileRecording, partials int, merged []seccompprofilev1beta1.SeccompProfile) {
	names := make([]string, 0, len(merged))
	for _, m := range merged {
		names = append(names, m.Name)
	}
	ctrl.LoggerFrom(ctx).Info("Merged partial profiles", "partials", partials, "profiles", names)
	r.Events.Eventf(rec, nil, corev1.EventTypeNormal, EventProfilesMerged, "Merge",
		"merged %d partial profile(s) into %s", partials, strings.Join(names, ", "))
}

// partialsOf returns the profiles labelled partial.
func partialsOf(profiles []seccompprofilev1beta1.SeccompProfile) []seccompprofilev1beta1.SeccompProfile {
	var out []seccompprofilev1beta1.SeccompProfile
	for _, p := range profiles {
		if p.Labels[keys.PartialLabel] == "true" {
			out = append(out, p)
		}
	}
	return out
}

// applyMerged creates each merged profile, or updates it when it exists
// and differs.
func (r *Reconciler) applyMerged(ctx context.Context, rec *profilerecordingv1alpha1.ProfileRecording, merged []seccompprofilev1beta1.SeccompProfile) error {
	for i := range merged {
		want := merged[i].DeepCopy()
		want.Spec.Disabled = rec.Spec.DisableProfileAfterRecording
		got := &seccompprofilev1beta1.SeccompProfile{}
		err := r.Client.Get(ctx, client.ObjectKeyFromObject(want), got)
		if apierrors.IsNotFound(err) {
			if err := r.Client.Create(ctx, want); err != nil {
				return fmt.Errorf("create merged profile %s: %w", want.Name, err)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("get merged profile %s: %w", want.Name, err)
		}
		if got.Labels[keys.RecordingIDLabel] != rec.Name || got.Labels[keys.PartialLabel] == "true" {
			return fmt.Errorf("profile %s %w %s", want.Name, errNotOurs, rec.Name)
		}
		if equality.Semantic.DeepEqual(got.Spec, want.Spec) {
			continue
		}
		got.Spec = want.Spec
		if err := r.Client.Update(ctx, got); err != nil {
			return fmt.Errorf("update merged profile %s: %w", want.Name, err)
		}
	}
	return nil
}

// deletePartials deletes the partial profiles not already being deleted
// and returns how many it deleted.
func (r *Reconciler) deletePartials(ctx context.Context, partials []seccompprofilev1beta1.SeccompProfile) (int, error) {
	n := 0
	for i := range partials {
		p := &partials[i]
		if !p.DeletionTimestamp.IsZero() {
			continue
		}
		// The UID guards against deleting a newer profile of the same name.
		err := r.Client.Delete(ctx, p, client.Preconditions{UID: &p.UID})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return n, fmt.Errorf("delete partial profile %s: %w", p.Name, err)
		}
		n++
	}
	return n, nil
}

// failMerge reports a merge that cannot succeed on the recording, with a
// Warning Event when the reason is new, and stops retrying: a change to the
// recording's profiles triggers the next attempt.
func (r *Reconciler) failMerge(ctx context.Context, rec *profilerecordingv1alpha1.ProfileRecording, profiles []seccompprofilev1beta1.SeccompProfile, cause error) error {
	cond := mergeFailed(rec, cause)
	changed, err := r.writeStatus(ctx, rec, profileNames(profiles), cond)
	if err != nil {
		return err
	}
	if changed {
		r.Events.Eventf(rec, nil, corev1.EventTypeWarning, EventMergeFailed, "Merge", "%s", cond.Message)
	}
	return reconcile.TerminalError(cause)
}
