package binding

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

	"github.com/securityprofiles/operator/apis/keys"
	profilebindingv1alpha1 "github.com/securityprofiles/operator/apis/profilebinding/v1alpha1"
	"github.com/securityprofiles/operator/internal/podpatch"
	"github.com/securityprofiles/operator/internal/profilegate"
)

// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=profilebindings,verbs=get;list;watch
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=seccompprofiles;selinuxprofiles;rawselinuxprofiles;apparmorprofiles,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Handler is the binding.spo.io admission handler.
type Handler struct {
	// Reader must be the manager's cache: the handler is on the path of
	// every pod creation in labelled namespaces and never calls the API.
	Reader client.Reader
	// Events records a Warning on a binding that matched a pod but could
	// not be applied. The recorder sends asynchronously.
	Events events.EventRecorder
	// Gates holds pods whose profiles are not Installed yet at the
	// scheduling gate keys.ProfilesInstalledGate (spod
	// enableSchedulingGates); the manager releases them.
	Gates bool
	// GateNamespaces, when set, limits the gate to pods and profiles in
	// these namespaces (see Options).
	GateNamespaces []string
	// Namespaces, when set, are the only namespaces whose pods the
	// handler mutates; it admits others unchanged without reading
	// anything. The webhook configuration already sends only these
	// (webhookconfig.Scope); this holds if it is edited or stale, and the
	// restricted cache could not answer for other namespaces anyway.
	Namespaces []string
}

// Handle mutates a pod being created.
func (h *Handler) Handle(ctx context.Context, req admission.Request) admission.Response {
	if req.Operation != admissionv1.Create || req.Kind.Kind != "Pod" || req.SubResource != "" || !h.handles(req.Namespace) {
		return admission.Allowed("")
	}
	pod := &corev1.Pod{}
	if err := json.Unmarshal(req.Object.Raw, pod); err != nil {
		return admission.Errored(http.StatusInternalServerError, fmt.Errorf("decode pod: %w", err))
	}
	list := &profilebindingv1alpha1.ProfileBindingList{}
	// The handler only reads the cached objects, so skip copying them:
	// with a hundred bindings the copies cost more than the decision.
	if err := h.Reader.List(ctx, list, client.InNamespace(req.Namespace), client.UnsafeDisableDeepCopy); err != nil {
		return admission.Errored(http.StatusInternalServerError, fmt.Errorf("list ProfileBindings: %w", err))
	}
	var bindings []Binding
	var invalid []string
	byName := map[string]*profilebindingv1alpha1.ProfileBinding{}
	for i := range list.Items {
		b := &list.Items[i]
		if b.DeletionTimestamp != nil {
			continue
		}
		selector, relevant, err := Relevant(pod, &b.Spec)
		if err != nil {
			invalid = append(invalid, fmt.Sprintf("ProfileBinding %s not applied: %v", b.Name, err))
		}
		if !relevant {
			continue
		}
		resolved, err := resolve(ctx, h.Reader, b, selector, h.gates(pod))
		if err != nil {
			return admission.Errored(http.StatusInternalServerError, err)
		}
		bindings = append(bindings, resolved)
		byName[b.Name] = b
	}
	appArmor, err := h.appArmorProfiles(ctx, pod)
	if err != nil {
		return admission.Errored(http.StatusInternalServerError, err)
	}
	res := Mutate(pod, bindings, appArmor)
	res.Warnings = append(res.Warnings, invalid...)
	if err := h.gate(ctx, pod, bindings, &res); err != nil {
		return admission.Errored(http.StatusInternalServerError, err)
	}
	h.recordBlocked(req, pod, res.Blocked, byName)
	if len(res.Applied) > 0 {
		ctrl.LoggerFrom(ctx).V(1).Info("Binding profiles", "namespace", req.Namespace, "pod", podName(req, pod), "bindings", res.Applied)
	}
	resp := admission.Allowed("")
	if len(res.Patch) > 0 {
		resp = admission.Patched("", res.Patch...)
	}
	return resp.WithWarnings(res.Warnings...)
}

// gate adds the scheduling gate to res when the pod, as res leaves it,
// waits for profiles.
func (h *Handler) gate(ctx context.Context, pod *corev1.Pod, bindings []Binding, res *Result) error {
	if !h.gates(pod) {
		return nil
	}
	waiting, err := waitingFor(ctx, h.Reader, pod, res.Changes, heldRefs(pod.Namespace, bindings), h.gatedNamespace)
	if err != nil || len(waiting) == 0 {
		return err
	}
	res.Patch = append(res.Patch, podpatch.Build(pod, podpatch.Changes{SchedulingGates: []string{keys.ProfilesInstalledGate}})...)
	res.Warnings = append(res.Warnings, gateWarning(waiting))
	return nil
}

// appArmorProfiles tells which of the bare names in the pod's AppArmor
// annotations (see bareAppArmorNames) name an AppArmorProfile in the
// pod's namespace; nil for a pod without any, which is nearly every pod.
func (h *Handler) appArmorProfiles(ctx context.Context, pod *corev1.Pod) (map[string]bool, error) {
	var out map[string]bool
	for _, name := range bareAppArmorNames(pod) {
		ref := profilegate.Ref{Kind: profilebindingv1alpha1.ProfileKindAppArmor, Key: client.ObjectKey{Namespace: pod.Namespace, Name: name}}
		p, err := profilegate.Read(ctx, h.Reader, ref)
		if err != nil {
			return nil, err
		}
		if p.Found {
			if out == nil {
				out = map[string]bool{}
			}
			out[name] = true
		}
	}
	return out, nil
}

// gates reports whether pod can be held at the scheduling gate: a pod
// created with spec.nodeName set bypasses the scheduler, and the API
// server refuses scheduling gates on it.
func (h *Handler) gates(pod *corev1.Pod) bool {
	return h.Gates && pod.Spec.NodeName == "" && h.gatedNamespace(pod.Namespace)
}

// handles reports whether the handler mutates pods in namespace.
func (h *Handler) handles(namespace string) bool {
	return len(h.Namespaces) == 0 || slices.Contains(h.Namespaces, namespace)
}

// gatedNamespace reports whether the gate applies in namespace.
func (h *Handler) gatedNamespace(namespace string) bool {
	return len(h.GateNamespaces) == 0 || slices.Contains(h.GateNamespaces, namespace)
}

// recordBlocked puts a Warning Event on every binding that matched the pod
// but could not be applied, so the binding's owner sees it too.
func (h *Handler) recordBlocked(req admission.Request, pod *corev1.Pod, blocked []Binding, byName map[string]*profilebindingv1alpha1.ProfileBinding) {
	if h.Events == nil {
		return
	}
	for _, b := range blocked {
		if obj := byName[b.Name]; obj != nil {
			h.Events.Eventf(obj, nil, corev1.EventTypeWarning, b.Reason, "BindPod",
				"Pod %s admitted without the profile: %s", podName(req, pod), b.Problem)
		}
	}
}

// podName names a pod being created; a pod from a template has only a
// generateName at admission.
func podName(req admission.Request, pod *corev1.Pod) string {
	switch {
	case req.Name != "":
		return req.Name
	case pod.Name != "":
		return pod.Name
	default:
		return pod.GenerateName + "*"
	}
}
