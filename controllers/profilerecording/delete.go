package profilerecording

import (
	"context"
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/securityprofiles/operator/apis/keys"
	profilerecordingv1alpha1 "github.com/securityprofiles/operator/apis/profilerecording/v1alpha1"
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
	merged, err := plan(rec, partials)
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
func (r *Reconciler) announce(ctx context.Context, rec *profilerecordingv1alpha1.ProfileRecording, partials int, merged []client.Object) {
	names := make([]string, 0, len(merged))
	for _, m := range merged {
		names = append(names, m.GetName())
	}
	ctrl.LoggerFrom(ctx).Info("Merged partial profiles", "partials", partials, "profiles", names)
	r.Events.Eventf(rec, nil, corev1.EventTypeNormal, EventProfilesMerged, "Merge",
		"merged %d partial profile(s) into %s", partials, strings.Join(names, ", "))
}

// partialsOf returns the profiles labelled partial.
func partialsOf(profiles []client.Object) []client.Object {
	var out []client.Object
	for _, p := range profiles {
		if p.GetLabels()[keys.PartialLabel] == "true" {
			out = append(out, p)
		}
	}
	return out
}

// applyMerged creates each merged profile, or updates it when it exists
// and differs.
func (r *Reconciler) applyMerged(ctx context.Context, rec *profilerecordingv1alpha1.ProfileRecording, merged []client.Object) error {
	for _, want := range merged {
		got := emptyLike(want)
		err := r.Client.Get(ctx, client.ObjectKeyFromObject(want), got)
		if apierrors.IsNotFound(err) {
			if err := r.Client.Create(ctx, want); err != nil {
				return fmt.Errorf("create merged profile %s: %w", want.GetName(), err)
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("get merged profile %s: %w", want.GetName(), err)
		}
		if got.GetLabels()[keys.RecordingIDLabel] != rec.Name || got.GetLabels()[keys.PartialLabel] == "true" {
			return fmt.Errorf("profile %s %w %s", want.GetName(), errNotOurs, rec.Name)
		}
		if !adoptSpec(got, want) {
			continue
		}
		if err := r.Client.Update(ctx, got); err != nil {
			return fmt.Errorf("update merged profile %s: %w", want.GetName(), err)
		}
	}
	return nil
}

// deletePartials deletes the partial profiles not already being deleted
// and returns how many it deleted.
func (r *Reconciler) deletePartials(ctx context.Context, partials []client.Object) (int, error) {
	n := 0
	for _, p := range partials {
		if !p.GetDeletionTimestamp().IsZero() {
			continue
		}
		// The UID guards against deleting a newer profile of the same name.
		uid := p.GetUID()
		err := r.Client.Delete(ctx, p, client.Preconditions{UID: &uid})
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return n, fmt.Errorf("delete partial profile %s: %w", p.GetName(), err)
		}
		n++
	}
	return n, nil
}

// failMerge reports a merge that cannot succeed on the recording, with a
// Warning Event when the reason is new, and stops retrying: a change to the
// recording's profiles triggers the next attempt.
func (r *Reconciler) failMerge(ctx context.Context, rec *profilerecordingv1alpha1.ProfileRecording, profiles []client.Object, cause error) error {
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
