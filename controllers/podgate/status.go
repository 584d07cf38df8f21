package podgate

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
)

// release reports the pod's condition True, then removes the gate. The
// condition comes first: once the gate is gone the pod may run, and its
// condition must not still say it waits.
//
// Both writes carry the resourceVersion the decision was made on. A
// conflict means the cache is behind the server (often our own previous
// write): the newer pod queues another pass, so this one ends quietly
// rather than emitting a second Event.
func (r *Reconciler) release(ctx context.Context, pod *corev1.Pod, d Decision) error {
	key := client.ObjectKeyFromObject(pod)
	before := pod.DeepCopy()
	if setCondition(pod, corev1.ConditionTrue, d.Reason, d.Message) {
		if err := r.Client.Status().Patch(ctx, pod, lockedPatch(before)); err != nil {
			return r.writeError(ctx, err, "write condition of pod %s", key)
		}
	}
	// pod now holds what the status patch returned: the latest version.
	before = pod.DeepCopy()
	pod.Spec.SchedulingGates = slices.DeleteFunc(pod.Spec.SchedulingGates, isOurGate)
	if err := r.Client.Patch(ctx, pod, lockedPatch(before)); err != nil {
		return r.writeError(ctx, err, "remove scheduling gate of pod %s", key)
	}
	r.forget(key)
	releases.Inc()
	ctrl.LoggerFrom(ctx).V(1).Info("Released pod", "reason", d.Reason)
	r.Events.Eventf(pod, nil, corev1.EventTypeNormal, d.Reason, ActionRelease, "Released: %s", d.Message)
	return nil
}

// hold keeps the gate and reports why on the pod's condition. The Warning
// Event is emitted only when the condition's text changes, so resyncs and
// unrelated profile updates do not repeat it.
func (r *Reconciler) hold(ctx context.Context, pod *corev1.Pod, d Decision) error {
	key := client.ObjectKeyFromObject(pod)
	r.track(key)
	old := condition(pod)
	announce := old == nil || old.Status != corev1.ConditionFalse || old.Reason != d.Reason || old.Message != d.Message
	before := pod.DeepCopy()
	if !setCondition(pod, corev1.ConditionFalse, d.Reason, d.Message) {
		return nil
	}
	if err := r.Client.Status().Patch(ctx, pod, lockedPatch(before)); err != nil {
		return r.writeError(ctx, err, "write condition of pod %s", key)
	}
	if announce {
		r.Events.Eventf(pod, nil, corev1.EventTypeWarning, d.Reason, ActionHold, "%s", d.Message)
	}
	return nil
}

// lockedPatch is a strategic merge patch, so only our condition and our
// gate are touched, that fails when the pod changed since before.
func lockedPatch(before *corev1.Pod) client.Patch {
	return client.StrategicMergeFrom(before, client.MergeFromWithOptimisticLock{})
}

// writeError drops errors that a later pass resolves by itself: the pod
// is gone, or it changed and its update queues that pass.
func (r *Reconciler) writeError(ctx context.Context, err error, format string, args ...any) error {
	if apierrors.IsNotFound(err) {
		return nil
	}
	if apierrors.IsConflict(err) {
		ctrl.LoggerFrom(ctx).V(1).Info("Pod changed meanwhile", "error", err.Error())
		return nil
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}

// condition returns the pod's ProfilesInstalled condition, or nil.
func condition(pod *corev1.Pod) *corev1.PodCondition {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == keys.ProfilesInstalledCondition {
			return &pod.Status.Conditions[i]
		}
	}
	return nil
}

// setCondition sets the pod's ProfilesInstalled condition and reports
// whether anything changed. The transition time moves only with the
// status.
func setCondition(pod *corev1.Pod, status corev1.ConditionStatus, reason, message string) bool {
	c := condition(pod)
	if c == nil {
		pod.Status.Conditions = append(pod.Status.Conditions, corev1.PodCondition{
			Type: keys.ProfilesInstalledCondition, Status: status, Reason: reason, Message: message,
			LastTransitionTime: metav1.Now(), ObservedGeneration: pod.Generation,
		})
		return true
	}
	if c.Status == status && c.Reason == reason && c.Message == message && c.ObservedGeneration == pod.Generation {
		return false
	}
	if c.Status != status {
		c.LastTransitionTime = metav1.Now()
	}
	c.Status, c.Reason, c.Message, c.ObservedGeneration = status, reason, message, pod.Generation
	return true
}
