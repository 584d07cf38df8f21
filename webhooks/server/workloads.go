package server

import (
	"context"
	"fmt"
	"slices"
	"sort"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/securityprofiles/operator/internal/throttle"
)

// WorkloadTracker keeps an object's status.activeWorkloads equal to the
// pods whose annotations name it; bindings and recordings share it.
//
// Status is kept off the admission path on purpose: at admission a pod
// from a template has no name yet, the pod may still be refused by a later
// admission plugin, and a status write would put an API call on every pod
// creation. Instead the handlers only annotate pods, and this controller
// (leader-elected in cmd/webhook) follows pods as metadata from the cache,
// so a deleted pod also leaves the list.
type WorkloadTracker[T client.Object] struct {
	Client client.Client
	// Throttle spaces out the writes of each object's status.
	Throttle throttle.Throttle
	// Name names the controller; Kind names the tracked kind in errors.
	Name, Kind string
	// New returns an empty object of the tracked kind.
	New func() T
	// Workloads points at the object's status.activeWorkloads.
	Workloads func(T) *[]string
	// Named lists the tracked objects a pod's annotations name.
	Named func(metav1.Object) []string
}

// SetupWithManager registers the controller.
func (r *WorkloadTracker[T]) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named(r.Name).
		For(r.New()).
		WatchesMetadata(&corev1.Pod{}, handler.EnqueueRequestsFromMapFunc(r.podToObjects)).
		Complete(r)
}

// Reconcile writes one object's activeWorkloads when they changed.
func (r *WorkloadTracker[T]) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	obj := r.New()
	if err := r.Client.Get(ctx, req.NamespacedName, obj); err != nil {
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
	active := ActiveWorkloads(obj.GetName(), pods.Items, r.Named)
	if slices.Equal(active, *r.Workloads(obj)) {
		return reconcile.Result{}, nil
	}
	if d := r.Throttle.Delay(req.NamespacedName); d > 0 {
		return reconcile.Result{RequeueAfter: d}, nil
	}
	patch := client.MergeFrom(obj.DeepCopyObject().(client.Object))
	*r.Workloads(obj) = active
	if err := r.Client.Status().Patch(ctx, obj, patch); err != nil && !apierrors.IsNotFound(err) {
		return reconcile.Result{}, fmt.Errorf("patch status of %s %s: %w", r.Kind, req.NamespacedName, err)
	}
	return reconcile.Result{}, nil
}

// ActiveWorkloads lists, sorted as "<namespace>/<name>", the pods not being
// deleted whose annotations name the object called name.
func ActiveWorkloads(name string, pods []metav1.PartialObjectMetadata, named func(metav1.Object) []string) []string {
	var out []string
	for i := range pods {
		p := &pods[i]
		if p.DeletionTimestamp == nil && slices.Contains(named(p), name) {
			out = append(out, p.Namespace+"/"+p.Name)
		}
	}
	sort.Strings(out)
	return out
}

// podToObjects maps a pod event to the tracked objects it names.
func (r *WorkloadTracker[T]) podToObjects(_ context.Context, pod client.Object) []reconcile.Request {
	var reqs []reconcile.Request
	for _, n := range r.Named(pod) {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKey{Namespace: pod.GetNamespace(), Name: n}})
	}
	return reqs
}
