// Package selinuxnode labels each node with whether its kernel runs
// SELinux, as the daemon's selinux-probe init container found, so that
// selinuxd's DaemonSet runs exactly where it can: it needs the node's
// /sys/fs/selinux, which a kernel without SELinux lacks.
package selinuxnode

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/controllers/spod"
)

// +kubebuilder:rbac:groups="",resources=nodes,verbs=get;patch
// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Event reasons on the node.
const (
	ReasonSelinuxSupported   = "SelinuxSupported"
	ReasonSelinuxUnsupported = "SelinuxUnsupported"
	ReasonInvalidProbe       = "InvalidSelinuxProbe"
)

// Reconciler turns the probe results of the daemon pods in the operator
// namespace into node labels. It reads nodes uncached: it needs one
// label of the few nodes whose daemon pod changed, not every node.
type Reconciler struct {
	Client            client.Client
	APIReader         client.Reader
	Events            events.EventRecorder
	OperatorNamespace string
}

// SetupWithManager watches the daemon pods only.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager) error {
	daemonPod := predicate.NewPredicateFuncs(func(o client.Object) bool {
		return o.GetNamespace() == r.OperatorNamespace && o.GetLabels()["name"] == spod.DaemonSetName
	})
	return ctrl.NewControllerManagedBy(mgr).
		Named("selinuxnode").
		For(&corev1.Pod{}, builder.WithPredicates(daemonPod)).
		Complete(r)
}

// Reconcile labels the node of one daemon pod once its probe has run.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	pod := &corev1.Pod{}
	if err := r.Client.Get(ctx, req.NamespacedName, pod); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !ownedBySpod(pod) || pod.Spec.NodeName == "" {
		return ctrl.Result{}, nil
	}
	message, ok := probeResult(pod)
	if !ok {
		return ctrl.Result{}, nil
	}
	node := &metav1.PartialObjectMetadata{}
	node.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Node"))
	if err := r.APIReader.Get(ctx, types.NamespacedName{Name: pod.Spec.NodeName}, node); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	verdict := strings.TrimSpace(message)
	if verdict != spodv1alpha1.SelinuxSupported && verdict != spodv1alpha1.SelinuxUnsupported {
		// Only the daemon image writes this message; anything else is a
		// different image in the init container. Say so, label nothing.
		r.Events.Eventf(node, nil, corev1.EventTypeWarning, ReasonInvalidProbe, "Label",
			"The SELinux probe of daemon pod %s/%s said %q, not %q or %q: the node keeps its %s label",
			pod.Namespace, pod.Name, truncate(verdict, 64), spodv1alpha1.SelinuxSupported, spodv1alpha1.SelinuxUnsupported,
			spodv1alpha1.SelinuxNodeLabel)
		return ctrl.Result{}, nil
	}
	if node.GetLabels()[spodv1alpha1.SelinuxNodeLabel] == verdict {
		return ctrl.Result{}, nil
	}
	return ctrl.Result{}, r.label(ctx, node, verdict)
}

// label sets the node's label with a patch that names the node's UID, so
// a node deleted and recreated under the same name meanwhile is not
// labelled from the old one's probe.
func (r *Reconciler) label(ctx context.Context, node *metav1.PartialObjectMetadata, verdict string) error {
	patch := fmt.Sprintf(`{"metadata":{"uid":%q,"labels":{%q:%q}}}`, node.GetUID(), spodv1alpha1.SelinuxNodeLabel, verdict)
	target := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: node.GetName()}}
	if err := r.Client.Patch(ctx, target, client.RawPatch(types.MergePatchType, []byte(patch))); err != nil {
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			return nil
		}
		return fmt.Errorf("label node %s: %w", node.GetName(), err)
	}
	ctrl.LoggerFrom(ctx).Info("Labelled node from the daemon's SELinux probe", "node", node.GetName(), "selinux", verdict)
	if verdict == spodv1alpha1.SelinuxSupported {
		r.Events.Eventf(node, nil, corev1.EventTypeNormal, ReasonSelinuxSupported, "Label",
			"The kernel runs SELinux: selinuxd runs here and installs SelinuxProfiles (%s=%s)", spodv1alpha1.SelinuxNodeLabel, verdict)
	} else {
		r.Events.Eventf(node, nil, corev1.EventTypeNormal, ReasonSelinuxUnsupported,
			"Label", "The kernel does not run SELinux: no selinuxd here, SelinuxProfiles report SelinuxNotSupportedOnNode (%s=%s)",
			spodv1alpha1.SelinuxNodeLabel, verdict)
	}
	return nil
}

// ownedBySpod reports whether the spod DaemonSet made the pod.
func ownedBySpod(pod *corev1.Pod) bool {
	ref := metav1.GetControllerOf(pod)
	return ref != nil && ref.Kind == "DaemonSet" && ref.Name == spod.DaemonSetName
}

// probeResult is the termination message of the pod's SELinux probe once
// it succeeded.
func probeResult(pod *corev1.Pod) (string, bool) {
	for _, s := range pod.Status.InitContainerStatuses {
		if s.Name != spod.SelinuxProbeContainer {
			continue
		}
		if t := s.State.Terminated; t != nil && t.ExitCode == 0 {
			return t.Message, true
		}
		if t := s.LastTerminationState.Terminated; t != nil && t.ExitCode == 0 {
			return t.Message, true
		}
	}
	return "", false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
