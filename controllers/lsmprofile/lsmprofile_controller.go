package lsmprofile

import (
	"context"
	"errors"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	"github.com/securityprofiles/operator/internal/apparmor"
	"github.com/securityprofiles/operator/internal/profilestate"
	"github.com/securityprofiles/operator/internal/selinuxcil"
)

// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=selinuxprofiles;rawselinuxprofiles;apparmorprofiles,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=selinuxprofiles/status;rawselinuxprofiles/status;apparmorprofiles/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=selinuxprofiles/finalizers;rawselinuxprofiles/finalizers;apparmorprofiles/finalizers,verbs=update
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=securityprofilenodestatuses,verbs=get;list;watch;delete
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=securityprofilesoperatordaemons,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=pods;nodes,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// errSuperseded ends a pass whose status write found the profile gone or
// changed since it was read.
var errSuperseded = errors.New("profile changed since read")

// Reconciler keeps one kind's profiles validated, their status in step
// with the nodes, and the in-use finalizer on while pods use them.
type Reconciler struct {
	client client.Client
	// apiReader reads from the API server itself (see profilestate.Gather).
	apiReader client.Reader
	events    events.EventRecorder
	kind      kind
	// operatorNamespace holds spod.
	operatorNamespace string
	// pacer spaces out writes of node counts alone.
	pacer *profilestate.Pacer
}

// Reconcile releases a deleted profile no pod uses any more, adds the
// in-use finalizer to one a running pod uses (before the status names the
// pod, as for SeccompProfiles), and otherwise writes the profile's status.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	obj := r.kind.newObject()
	err := r.client.Get(ctx, req.NamespacedName, obj)
	if apierrors.IsNotFound(err) {
		r.kind.checker.forget(req.NamespacedName)
		r.pacer.Forget(req.NamespacedName)
		return ctrl.Result{}, nil
	}
	if err != nil {
		return ctrl.Result{}, err
	}
	deleting := !obj.GetDeletionTimestamp().IsZero()
	pods, err := profilestate.ActivePods(ctx, r.client, r.kind.podIndex, req.String())
	if err != nil {
		return ctrl.Result{}, err
	}
	if released, err := profilestate.KeepInUse(ctx, r.client, obj, deleting, len(pods)); released || err != nil {
		return ctrl.Result{}, err
	}
	return r.reconcileStatus(ctx, obj, pods, deleting)
}

// reconcileStatus validates the profile (not while it is being deleted:
// nodes keep what they have until the pods are gone), adds up its node
// states and writes the result. An invalid profile ends in a terminal
// error, an unvalidated one in an error retried with backoff.
func (r *Reconciler) reconcileStatus(ctx context.Context, obj client.Object, pods []string, deleting bool) (ctrl.Result, error) {
	nodes, statuses, err := profilestate.Gather(ctx, r.client, r.apiReader, string(r.kind.name), obj)
	if err != nil {
		return ctrl.Result{}, err
	}
	agg := profilestate.Decide(profilestate.NodeNames(nodes), statuses, deleting, len(pods), profilestate.PartialOf(obj.GetLabels()))
	var v *verdict
	if !deleting {
		got, err := r.kind.checker.check(ctx, obj)
		if err != nil {
			return ctrl.Result{}, fmt.Errorf("validate %s %s: %w", r.kind.name, client.ObjectKeyFromObject(obj), err)
		}
		v = &got
		agg = decide(agg, got, r.kind.view(obj).disabled)
		if agg, err = r.explainPending(ctx, agg, len(statuses)); err != nil {
			return ctrl.Result{}, err
		}
	}
	res, err := r.writeStatus(ctx, obj, agg, pods, v)
	if errors.Is(err, errSuperseded) {
		// The pass of the newer version decides, verdict and all.
		return ctrl.Result{}, nil
	}
	if err != nil {
		return res, err
	}
	switch {
	case v == nil:
		return res, nil
	case v.invalid():
		return ctrl.Result{}, reconcile.TerminalError(errors.New(v.reason + ": " + v.message))
	case v.unchecked != nil:
		return ctrl.Result{}, fmt.Errorf("validate %s %s: %w", r.kind.name, client.ObjectKeyFromObject(obj), v.unchecked)
	}
	return res, nil
}

// writeStatus patches the status once, and only when it changed, and
// announces a profile that became Installed with a Normal Event. A
// verdict (nil while deleting) that refuses the profile is also reported
// as a Warning Event, once per generation: when the condition carrying it
// changes.
func (r *Reconciler) writeStatus(ctx context.Context, obj client.Object, agg profilestate.Aggregate, pods []string, v *verdict) (ctrl.Result, error) {
	before := obj.DeepCopyObject().(client.Object)
	st := r.kind.view(obj)
	gen := obj.GetGeneration()
	changed := st.status.SetState(agg.State, agg.Reason, agg.Message, gen)
	if !slices.Equal(*st.activeWorkloads, pods) {
		*st.activeWorkloads, changed = pods, true
	}
	if st.usage != nil {
		if want := selinuxcil.Usage(obj.GetName(), obj.GetNamespace()); *st.usage != want {
			*st.usage, changed = want, true
		}
	}
	// The condition whose change announces a new verdict.
	verdictCondition := profilebasev1alpha1.ConditionReady
	if v != nil && r.kind.policyValid {
		verdictCondition = apparmor.ConditionPolicyValid
		if meta.SetStatusCondition(&st.status.Conditions, policyValidCondition(*v, gen)) {
			changed = true
		}
	}
	key := client.ObjectKeyFromObject(obj)
	write, wait := r.pacer.Apply(key, st.status, agg.Nodes, changed)
	if !write {
		return ctrl.Result{RequeueAfter: wait}, nil
	}
	// Against the version read: a merge patch replaces the conditions, so
	// a pass on a stale cache must conflict (the newer object's pass then
	// decides, see profilestate.Superseded) rather than rewrite them.
	if err := r.client.Status().Patch(ctx, obj, client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})); err != nil {
		if profilestate.Superseded(err) {
			return ctrl.Result{}, errSuperseded
		}
		return ctrl.Result{}, fmt.Errorf("write %s status: %w", r.kind.name, err)
	}
	r.pacer.Wrote(key)
	if v != nil && v.warning() != "" {
		r.warn(obj, r.kind.view(before).status, st.status, verdictCondition, *v)
	}
	verb, action := r.kind.installWords()
	profilestate.AnnounceInstalled(r.events, obj, r.kind.view(before).status, st.status, verb, action)
	return ctrl.Result{}, nil
}

// warn sends the Warning Event of a refusing verdict when the condition
// that carries it changed, so once per generation and cause.
func (r *Reconciler) warn(obj client.Object, before, after *profilebasev1alpha1.StatusBase, condition string, v verdict) {
	old := meta.FindStatusCondition(before.Conditions, condition)
	now := meta.FindStatusCondition(after.Conditions, condition)
	if now == nil || now.Status != metav1.ConditionFalse {
		return
	}
	if old != nil && old.Status == now.Status && old.Reason == now.Reason &&
		old.Message == now.Message && old.ObservedGeneration == now.ObservedGeneration {
		return
	}
	r.events.Eventf(obj, nil, corev1.EventTypeWarning, v.warning(), "Validate", "%s", now.Message)
}
