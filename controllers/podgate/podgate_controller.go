package podgate

import (
	"context"
	"fmt"
	"slices"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
)

// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups="",resources=pods/status,verbs=patch
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=seccompprofiles;selinuxprofiles;rawselinuxprofiles;apparmorprofiles;profilebindings,verbs=get;list;watch
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=securityprofilesoperatordaemons,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconciler removes the profiles-installed scheduling gate from pods once
// every profile of ours they use (SeccompProfile, SelinuxProfile,
// RawSelinuxProfile, AppArmorProfile) is Installed, and reports on the pod
// why it still waits otherwise.
type Reconciler struct {
	Client client.Client
	Events events.EventRecorder
	// OperatorNamespace is where the spod object lives.
	OperatorNamespace string
	// WatchNamespace, when set (RESTRICT_TO_NAMESPACE), is the one
	// namespace besides the operator's whose profiles the manager caches;
	// profiles elsewhere are not waited for (the webhook does not gate on
	// them either).
	WatchNamespace string

	mu sync.Mutex
	// held are the pods the gate holds, as of their last reconcile; its
	// size is the pods_gated gauge.
	held map[types.NamespacedName]struct{}
}

// Reconcile reads a gated pod, spod's enableSchedulingGates and the
// profiles the pod uses, then releases or holds the pod.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	pod := &corev1.Pod{}
	if err := r.Client.Get(ctx, req.NamespacedName, pod); err != nil {
		if apierrors.IsNotFound(err) {
			r.forget(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !hasGate(pod) || !pod.DeletionTimestamp.IsZero() {
		r.forget(req.NamespacedName)
		return ctrl.Result{}, nil
	}
	enabled, err := r.gatesEnabled(ctx)
	if err != nil {
		return ctrl.Result{}, err
	}
	var profiles []Profile
	if enabled {
		if profiles, err = r.profiles(ctx, pod); err != nil {
			return ctrl.Result{}, err
		}
	}
	d := Decide(profiles, enabled)
	if d.Release {
		return ctrl.Result{}, r.release(ctx, pod, d)
	}
	return ctrl.Result{}, r.hold(ctx, pod, d)
}

// gatesEnabled reads spod's enableSchedulingGates; without a spod the
// documented default (true) holds.
func (r *Reconciler) gatesEnabled(ctx context.Context) (bool, error) {
	spod := &spodv1alpha1.SecurityProfilesOperatorDaemon{}
	err := r.Client.Get(ctx, types.NamespacedName{Namespace: r.OperatorNamespace, Name: spodv1alpha1.Name}, spod)
	if apierrors.IsNotFound(err) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("read spod: %w", err)
	}
	return spod.Spec.SchedulingGatesEnabled(), nil
}

// hasGate reports whether o is a pod that carries the profiles-installed
// scheduling gate.
func hasGate(o client.Object) bool {
	pod, ok := o.(*corev1.Pod)
	return ok && slices.ContainsFunc(pod.Spec.SchedulingGates, isOurGate)
}

func isOurGate(g corev1.PodSchedulingGate) bool { return g.Name == keys.ProfilesInstalledGate }

// watched reports whether the manager caches profiles of namespace.
func (r *Reconciler) watched(namespace string) bool {
	return r.WatchNamespace == "" || namespace == r.WatchNamespace || namespace == r.OperatorNamespace
}
