package binding

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/securityprofiles/operator/apis/keys"
	profilebindingv1alpha1 "github.com/securityprofiles/operator/apis/profilebinding/v1alpha1"
	"github.com/securityprofiles/operator/webhooks/server"
)

// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=profilebindings/status,verbs=get;patch;update
// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch

// StatusReconciler keeps a ProfileBinding's status.activeWorkloads equal
// to the pods that carry it in their spo.x-k8s.io/bindings annotation.
//
// Status is kept off the admission path on purpose: at admission a pod
// from a template has no name yet, the pod may still be refused by a later
// admission plugin, and a status write would put an API call on every
// pod creation. Instead the handler only annotates the pod, and this
// controller (leader-elected in cmd/webhook) follows pods as metadata
// from the cache, so a deleted pod also leaves the list.
type StatusReconciler struct {
	Client client.Client
	// Throttle spaces out the writes of each object's status.
	Throttle server.Throttle
}

// SetupWithManager registers the controller.
func (r *StatusReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("profilebinding-status").
		For(&profilebindingv1alpha1.ProfileBinding{}).
		WatchesMetadata(&corev1.Pod{}, handler.EnqueueRequestsFromMapFunc(podToBindings)).
		Complete(r)
}

// Reconcile writes one binding's activeWorkloads when they changed.
func (r *StatusReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	b := &profilebindingv1alpha1.ProfileBinding{}
	if err := r.Client.Get(ctx, req.NamespacedName, b); err != nil {
		if apierrors.IsNotFound(err) {
			r.Throttle.Forget(req.NamespacedName)
		}
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	pods := &metav1.PartialObjectMetadataList{}
	pods.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("PodList"))
	// Read-only use of the cached pods: skip copying them.
	if err := r.Client.List(ctx, pods, client.InNamespace(req.Namespace), client.UnsafeDisableDeepCopy); err != nil {
		return reconcile.Result{}, fmt.Errorf("list pods in %s: %w", req.Namespace, err)
	}
	active := ActiveWorkloads(b.Name, pods.Items)
	if slices.Equal(active, b.Status.ActiveWorkloads) {
		return reconcile.Result{}, nil
	}
	if d := r.Throttle.Delay(req.NamespacedName); d > 0 {
		return reconcile.Result{RequeueAfter: d}, nil
	}
	patch := client.MergeFrom(b.DeepCopy())
	b.Status.ActiveWorkloads = active
	if err := r.Client.Status().Patch(ctx, b, patch); err != nil && !apierrors.IsNotFound(err) {
		return reconcile.Result{}, fmt.Errorf("patch status of ProfileBinding %s: %w", req.NamespacedName, err)
	}
	r.Throttle.Wrote(req.NamespacedName)
	return reconcile.Result{}, nil
}

// ActiveWorkloads lists, sorted as "<namespace>/<name>", the pods whose
// bindings annotation names binding and that are not being deleted.
func ActiveWorkloads(binding string, pods []metav1.PartialObjectMetadata) []string {
	var out []string
	for i := range pods {
		p := &pods[i]
		if p.DeletionTimestamp == nil && slices.Contains(bindingsOf(p), binding) {
			out = append(out, p.Namespace+"/"+p.Name)
		}
	}
	sort.Strings(out)
	return out
}

// podToBindings maps a pod event to the bindings its annotation names.
func podToBindings(_ context.Context, obj client.Object) []reconcile.Request {
	names := bindingsOf(obj)
	reqs := make([]reconcile.Request, 0, len(names))
	for _, n := range names {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKey{Namespace: obj.GetNamespace(), Name: n}})
	}
	return reqs
}

func bindingsOf(obj metav1.Object) []string {
	v := obj.GetAnnotations()[keys.BindingsAnnotation]
	if v == "" {
		return nil
	}
	return strings.Split(v, ",")
}
