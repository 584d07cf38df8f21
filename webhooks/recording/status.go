package recording

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
	profilerecordingv1alpha1 "github.com/securityprofiles/operator/apis/profilerecording/v1alpha1"
	"github.com/securityprofiles/operator/webhooks/server"
)

// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=profilerecordings/status,verbs=get;patch;update
// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch

// StatusReconciler keeps a ProfileRecording's status.activeWorkloads equal
// to the pods whose recording annotations name it. Like the binding's, it
// runs beside the webhook (leader-elected) and follows pod metadata from
// the cache, so the admission path never writes status.
type StatusReconciler struct {
	Client client.Client
	// Throttle spaces out the writes of each object's status.
	Throttle server.Throttle
}

// SetupWithManager registers the controller.
func (r *StatusReconciler) SetupWithManager(mgr ctrl.Manager) error {
	return ctrl.NewControllerManagedBy(mgr).
		Named("profilerecording-status").
		For(&profilerecordingv1alpha1.ProfileRecording{}).
		WatchesMetadata(&corev1.Pod{}, handler.EnqueueRequestsFromMapFunc(podToRecordings)).
		Complete(r)
}

// Reconcile writes one recording's activeWorkloads when they changed.
func (r *StatusReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	rec := &profilerecordingv1alpha1.ProfileRecording{}
	if err := r.Client.Get(ctx, req.NamespacedName, rec); err != nil {
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
	active := ActiveWorkloads(rec.Name, pods.Items)
	if slices.Equal(active, rec.Status.ActiveWorkloads) {
		return reconcile.Result{}, nil
	}
	if d := r.Throttle.Delay(req.NamespacedName); d > 0 {
		return reconcile.Result{RequeueAfter: d}, nil
	}
	patch := client.MergeFrom(rec.DeepCopy())
	rec.Status.ActiveWorkloads = active
	if err := r.Client.Status().Patch(ctx, rec, patch); err != nil && !apierrors.IsNotFound(err) {
		return reconcile.Result{}, fmt.Errorf("patch status of ProfileRecording %s: %w", req.NamespacedName, err)
	}
	r.Throttle.Wrote(req.NamespacedName)
	return reconcile.Result{}, nil
}

// ActiveWorkloads lists, sorted as "<namespace>/<name>", the pods not
// being deleted that have a container recorded by recording.
func ActiveWorkloads(recording string, pods []metav1.PartialObjectMetadata) []string {
	var out []string
	for i := range pods {
		p := &pods[i]
		if p.DeletionTimestamp == nil && slices.Contains(recordingsOf(p), recording) {
			out = append(out, p.Namespace+"/"+p.Name)
		}
	}
	sort.Strings(out)
	return out
}

// podToRecordings maps a pod event to the recordings it names.
func podToRecordings(_ context.Context, obj client.Object) []reconcile.Request {
	var reqs []reconcile.Request
	for _, n := range recordingsOf(obj) {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKey{Namespace: obj.GetNamespace(), Name: n}})
	}
	return reqs
}

// recordingsOf lists the distinct recordings a pod's annotations name.
func recordingsOf(obj metav1.Object) []string {
	var out []string
	for k, v := range obj.GetAnnotations() {
		if !strings.HasPrefix(k, keys.RecordingAnnotationPrefix) {
			continue
		}
		if name, _, _, ok := keys.ParseRecordingAnnotation(v); ok && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}
