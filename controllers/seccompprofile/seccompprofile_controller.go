package seccompprofile

import (
	"context"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	"github.com/securityprofiles/operator/internal/podprofiles"
	"github.com/securityprofiles/operator/internal/profilestate"
)

// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=seccompprofiles,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=seccompprofiles/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=seccompprofiles/finalizers,verbs=update
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=securityprofilenodestatuses,verbs=get;list;watch;delete
// +kubebuilder:rbac:groups="",resources=pods;nodes,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconciler keeps a SeccompProfile's status and in-use finalizer, and
// answers the allow-audited-syscalls annotation.
type Reconciler struct {
	Client client.Client
	// Events, when set, announces a profile that became Installed and
	// reports what the annotation did.
	Events events.EventRecorder
	// APIReader reads from the API server itself (see profilestate.Gather);
	// SetupWithManager sets the manager's when nil.
	APIReader client.Reader
	// pacer spaces out writes of node counts alone.
	// (nil until SetupWithManager.)
	pacer *profilestate.Pacer
}

// Reconcile gathers the nodes, node statuses and pods of a profile, then
// decides its status and whether the in-use finalizer is added or goes.
// The finalizer is added once a running pod uses the profile, before the
// status lists that pod (see profilestate.KeepInUse).
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	sp := &seccompprofilev1beta1.SeccompProfile{}
	if err := r.Client.Get(ctx, req.NamespacedName, sp); err != nil {
		if apierrors.IsNotFound(err) {
			r.pacer.Forget(req.NamespacedName)
		}
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	deleting := !sp.DeletionTimestamp.IsZero()
	if !deleting && sp.Annotations[keys.AllowAuditedSyscallsAnnotation] == "true" {
		return ctrl.Result{}, r.allowAudited(ctx, sp)
	}
	pods, err := profilestate.ActivePods(ctx, r.Client, podProfileIndex, client.ObjectKeyFromObject(sp).String())
	if err != nil {
		return ctrl.Result{}, err
	}
	if released, err := profilestate.KeepInUse(ctx, r.Client, sp, deleting, len(pods)); released || err != nil {
		return ctrl.Result{}, err
	}
	nodes, roots, statuses, err := r.nodeStates(ctx, sp)
	if err != nil {
		return ctrl.Result{}, err
	}
	agg := profilestate.Decide(nodes, statuses, deleting, len(pods), profilestate.PartialOf(sp.Labels))
	return r.writeStatus(ctx, sp, agg, pods, ProfilePath(roots, sp.Namespace, sp.Name))
}

// nodeStates returns the names and kubelet roots (see KubeletRoot) of the
// existing nodes and the profile's node statuses of those nodes.
func (r *Reconciler) nodeStates(ctx context.Context, sp *seccompprofilev1beta1.SeccompProfile) (nodes, roots []string, _ map[string]nodestatusv1alpha1.ProfileNodeState, _ error) {
	all, statuses, err := profilestate.Gather(ctx, r.Client, r.APIReader, kind, sp)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, n := range all {
		roots = append(roots, KubeletRoot(n.Labels))
	}
	return profilestate.NodeNames(all), roots, statuses, nil
}

// writeStatus patches the status once, and only when it changed; a change
// of the node counts alone waits its turn (see profilestate.Pacer). A
// profile that became Installed is announced with a Normal Event.
func (r *Reconciler) writeStatus(ctx context.Context, sp *seccompprofilev1beta1.SeccompProfile, agg profilestate.Aggregate, pods []string, nodePath string) (ctrl.Result, error) {
	before := sp.DeepCopy()
	changed := sp.Status.SetState(agg.State, agg.Reason, agg.Message, sp.Generation)
	path := podprofiles.LocalhostPath(sp.Namespace, sp.Name)
	if sp.Status.LocalhostProfile != path || sp.Status.LegacyLocalhostProfile != path || sp.Status.Path != nodePath ||
		!slices.Equal(sp.Status.ActiveWorkloads, pods) {
		sp.Status.LocalhostProfile, sp.Status.LegacyLocalhostProfile = path, path
		sp.Status.Path = nodePath
		sp.Status.ActiveWorkloads = pods
		changed = true
	}
	if pruneAudited(sp) {
		changed = true
	}
	key := client.ObjectKeyFromObject(sp)
	write, wait := r.pacer.Apply(key, &sp.Status.StatusBase, agg.Nodes, changed)
	if !write {
		return ctrl.Result{RequeueAfter: wait}, nil
	}
	// Always against the version this pass read: a merge patch replaces
	// whole lists, so a pass that read a stale profile (a cache catching up
	// after the API server restarted) would otherwise write its old
	// conditions back with a new transition time, and the log enricher of
	// every node adds to status.auditedSyscalls meanwhile. On a conflict
	// the newer profile's pass decides (see profilestate.Superseded).
	patch := client.MergeFromWithOptions(before, client.MergeFromWithOptimisticLock{})
	if err := r.Client.Status().Patch(ctx, sp, patch); err != nil {
		if profilestate.Superseded(err) {
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}
	r.pacer.Wrote(key)
	profilestate.AnnounceInstalled(r.Events, sp, &before.Status.StatusBase, &sp.Status.StatusBase, "Installed", "Install")
	return ctrl.Result{}, nil
}
