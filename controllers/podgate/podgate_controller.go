package podgate

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/internal/podprofiles"
)

// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups="",resources=pods/status,verbs=patch
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=seccompprofiles,verbs=get;list;watch
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=securityprofilesoperatordaemons,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconciler removes the profiles-installed scheduling gate from pods once
// every SeccompProfile they use is Installed, and reports on the pod why
// it still waits otherwise.
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

// profiles reads every SeccompProfile the pod references.
func (r *Reconciler) profiles(ctx context.Context, pod *corev1.Pod) ([]Profile, error) {
	refs := referenced(pod)
	out := make([]Profile, 0, len(refs))
	for _, key := range refs {
		if !r.watched(key.Namespace) {
			continue
		}
		sp := &seccompprofilev1beta1.SeccompProfile{}
		err := r.Client.Get(ctx, key, sp)
		if apierrors.IsNotFound(err) {
			out = append(out, Profile{Key: key})
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read SeccompProfile %s: %w", key, err)
		}
		out = append(out, Profile{
			Key:      key,
			Found:    true,
			Deleting: !sp.DeletionTimestamp.IsZero(),
			Partial:  sp.Labels[keys.PartialLabel] == "true",
			State:    sp.Status.Status,
			Ready:    sp.Status.ReadyCondition(),
		})
	}
	return out, nil
}

// referenced names the SeccompProfiles a pod uses, sorted and without
// duplicates: a profile and its audit-mode copy are the same profile.
func referenced(pod *corev1.Pod) []types.NamespacedName {
	var out []types.NamespacedName
	for _, p := range podprofiles.Seccomp(pod) {
		if key, ok := podprofiles.ParseLocalhostPath(p); ok {
			out = append(out, key)
		}
	}
	slices.SortFunc(out, func(a, b types.NamespacedName) int { return strings.Compare(a.String(), b.String()) })
	return slices.Compact(out)
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
