package recording

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	profilerecordingv1alpha1 "github.com/securityprofiles/operator/apis/profilerecording/v1alpha1"
)

// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=profilerecordings,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// ReasonCannotRecord is the Event reason on a recording that selects a pod
// it cannot record.
const ReasonCannotRecord = "CannotRecord"

// Handler is the recording.spo.io admission handler.
type Handler struct {
	// Reader must be the manager's cache: the handler never calls the API.
	Reader client.Reader
	// Events records a Warning on a recording that cannot record a pod it
	// selects. The recorder sends asynchronously.
	Events events.EventRecorder
	// Namespaces, when set, are the only namespaces whose pods the
	// handler marks; it admits others unchanged without reading
	// anything. The webhook configuration already sends only these
	// (webhookconfig.Scope); this holds if it is edited or stale, and the
	// restricted cache could not answer for other namespaces anyway.
	Namespaces []string
}

// Handle marks a pod being created for recording.
func (h *Handler) Handle(ctx context.Context, req admission.Request) admission.Response {
	if req.Operation != admissionv1.Create || req.Kind.Kind != "Pod" || req.SubResource != "" || !h.handles(req.Namespace) {
		return admission.Allowed("")
	}
	pod := &corev1.Pod{}
	if err := json.Unmarshal(req.Object.Raw, pod); err != nil {
		return admission.Errored(http.StatusInternalServerError, fmt.Errorf("decode pod: %w", err))
	}
	list := &profilerecordingv1alpha1.ProfileRecordingList{}
	// The handler only reads the cached objects, so skip copying them:
	// with a hundred bindings the copies cost more than the decision.
	if err := h.Reader.List(ctx, list, client.InNamespace(req.Namespace), client.UnsafeDisableDeepCopy); err != nil {
		return admission.Errored(http.StatusInternalServerError, fmt.Errorf("list ProfileRecordings: %w", err))
	}
	recordings := make([]profilerecordingv1alpha1.ProfileRecording, 0, len(list.Items))
	for i := range list.Items {
		// A recording being deleted is finishing (its profiles are being
		// merged); new pods must not join it.
		if list.Items[i].DeletionTimestamp == nil {
			recordings = append(recordings, list.Items[i])
		}
	}
	res := Mutate(pod, recordings)
	h.recordRefused(recordings, res.Refused)
	if len(res.Recordings) > 0 {
		ctrl.LoggerFrom(ctx).V(1).Info("Marking pod for recording", "namespace", req.Namespace, "recordings", res.Recordings)
	}
	resp := admission.Allowed("")
	if len(res.Patch) > 0 {
		resp = admission.Patched("", res.Patch...)
	}
	return resp.WithWarnings(res.Warnings...)
}

// handles reports whether the handler marks pods in namespace.
func (h *Handler) handles(namespace string) bool {
	return len(h.Namespaces) == 0 || slices.Contains(h.Namespaces, namespace)
}

// recordRefused puts a Warning Event on each recording that selected the
// pod but cannot record it.
func (h *Handler) recordRefused(recordings []profilerecordingv1alpha1.ProfileRecording, refused map[string]string) {
	if h.Events == nil {
		return
	}
	for i := range recordings {
		if why, ok := refused[recordings[i].Name]; ok {
			h.Events.Eventf(&recordings[i], nil, corev1.EventTypeWarning, ReasonCannotRecord, "RecordPod", "A selected pod is not recorded: %s", why)
		}
	}
}
