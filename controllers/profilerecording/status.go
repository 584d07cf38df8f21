package profilerecording

import (
	"context"
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	profilerecordingv1alpha1 "github.com/securityprofiles/operator/apis/profilerecording/v1alpha1"
)

// ConditionReady is the recording's one condition.
const ConditionReady = "Ready"

// Reasons of the Ready condition.
const (
	// ReasonRecording: the recorder is enabled; matching pods are recorded.
	ReasonRecording = "Recording"
	// ReasonRecorderNotEnabled: spod does not run the recorder the
	// recording asks for, so it cannot produce any profile.
	ReasonRecorderNotEnabled = "RecorderNotEnabled"
	// ReasonSpodNotFound: there is no spod object to run any recorder.
	ReasonSpodNotFound = "SpodNotFound"
	// ReasonMergeFailed: the recording was deleted but its partial
	// profiles cannot be merged; the merge finalizer stays.
	ReasonMergeFailed = "MergeFailed"
)

// Event reasons.
const (
	// EventProfilesMerged is emitted once the partial profiles were
	// merged and deleted.
	EventProfilesMerged = "ProfilesMerged"
	// EventMergeFailed is emitted when a merge cannot succeed.
	EventMergeFailed = "MergeFailed"
)

// Recorders is what spod runs that recordings depend on.
type Recorders struct {
	// Spod is "<namespace>/<name>" of the spod object, for messages.
	Spod string
	// Found is false when the spod object does not exist.
	Found bool
	// BPF is spod's enableBpfRecorder.
	BPF bool
	// LogEnricher is spod's enableLogEnricher, or the manager's
	// ENABLE_LOG_ENRICHER.
	LogEnricher bool
}

// Readiness decides the Ready condition of a recording that is not being
// deleted: True when the recorder it asks for runs, False with a reason
// saying what to enable otherwise.
func Readiness(rec *profilerecordingv1alpha1.ProfileRecording, rs Recorders) metav1.Condition {
	cond := metav1.Condition{Type: ConditionReady, Status: metav1.ConditionFalse, ObservedGeneration: rec.Generation}
	switch {
	case !rs.Found:
		cond.Reason = ReasonSpodNotFound
		cond.Message = fmt.Sprintf("SecurityProfilesOperatorDaemon %s not found: no recorder runs", rs.Spod)
	case rec.Spec.Recorder == profilerecordingv1alpha1.RecorderBPF && !rs.BPF:
		cond.Reason = ReasonRecorderNotEnabled
		cond.Message = fmt.Sprintf("recorder bpf needs enableBpfRecorder: true in SecurityProfilesOperatorDaemon %s", rs.Spod)
	case rec.Spec.Recorder == profilerecordingv1alpha1.RecorderLogs && !rs.LogEnricher:
		cond.Reason = ReasonRecorderNotEnabled
		cond.Message = fmt.Sprintf("recorder logs needs the log enricher: set enableLogEnricher: true in SecurityProfilesOperatorDaemon %s", rs.Spod)
	default:
		cond.Status = metav1.ConditionTrue
		cond.Reason = ReasonRecording
		cond.Message = fmt.Sprintf("recording matching pods with the %s recorder", rec.Spec.Recorder)
		if rec.Spec.MergeStrategy == profilerecordingv1alpha1.MergeContainers {
			cond.Message += "; partial profiles are merged per container when the recording is deleted"
		}
	}
	return cond
}

// mergeFailed is the Ready condition of a deleted recording whose partial
// profiles cannot be merged.
func mergeFailed(rec *profilerecordingv1alpha1.ProfileRecording, err error) metav1.Condition {
	return metav1.Condition{
		Type: ConditionReady, Status: metav1.ConditionFalse, Reason: ReasonMergeFailed, ObservedGeneration: rec.Generation,
		Message: fmt.Sprintf("cannot merge the partial profiles: %v; fix or delete them, or remove the finalizer %s to delete the recording without merging",
			err, keys.MergeFinalizer),
	}
}

// writeStatus sets the profiles and the Ready condition and patches the
// status once, only when it changed. It reports whether the condition
// changed.
func (r *Reconciler) writeStatus(ctx context.Context, rec *profilerecordingv1alpha1.ProfileRecording, profiles []string, cond metav1.Condition) (bool, error) {
	before := rec.DeepCopy()
	condChanged := meta.SetStatusCondition(&rec.Status.Conditions, cond)
	profilesChanged := !slices.Equal(rec.Status.Profiles, profiles)
	if !condChanged && !profilesChanged {
		return false, nil
	}
	// A new slice, never an edit in place: before may share the old one.
	rec.Status.Profiles = slices.Clone(profiles)
	if err := r.Client.Status().Patch(ctx, rec, client.MergeFrom(before)); err != nil {
		return false, client.IgnoreNotFound(fmt.Errorf("patch status of %s/%s: %w", rec.Namespace, rec.Name, err))
	}
	return condChanged, nil
}
