package profilerecording

import (
	"context"
	"fmt"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/securityprofiles/operator/apis/keys"
	profilerecordingv1alpha1 "github.com/securityprofiles/operator/apis/profilerecording/v1alpha1"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
)

// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=profilerecordings,verbs=get;list;watch;update;patch
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=profilerecordings/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=profilerecordings/finalizers,verbs=update
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=seccompprofiles,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=selinuxprofiles,verbs=get;list;watch;create;update;delete
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=securityprofilesoperatordaemons,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconciler keeps a ProfileRecording's status and merges its partial
// profiles when it is deleted.
type Reconciler struct {
	Client client.Client
	// APIReader reads uncached; a deleted recording is read through it
	// before its partials are merged.
	APIReader client.Reader
	Events    events.EventRecorder
	// OperatorNamespace is where the spod object lives.
	OperatorNamespace string
	// ForceLogEnricher is the manager's ENABLE_LOG_ENRICHER: the log
	// enricher runs whatever spod says.
	ForceLogEnricher bool
}

// Reconcile adds the merge finalizer to recordings that merge, then
// merges on deletion or reports the status otherwise.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	rec := &profilerecordingv1alpha1.ProfileRecording{}
	if err := r.Client.Get(ctx, req.NamespacedName, rec); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !rec.DeletionTimestamp.IsZero() {
		return r.reconcileDelete(ctx, rec)
	}
	// Once added, the finalizer stays even if the strategy changes: the
	// partial profiles recorded so far are still merged on deletion.
	if merges(rec) && !controllerutil.ContainsFinalizer(rec, keys.MergeFinalizer) {
		patch := client.MergeFromWithOptions(rec.DeepCopy(), client.MergeFromWithOptimisticLock{})
		controllerutil.AddFinalizer(rec, keys.MergeFinalizer)
		if err := r.Client.Patch(ctx, rec, patch); err != nil {
			return ctrl.Result{}, fmt.Errorf("add finalizer to %s: %w", req.NamespacedName, err)
		}
		return ctrl.Result{}, nil
	}
	return ctrl.Result{}, r.reconcileNormal(ctx, rec)
}

// merges reports whether the recording's partial profiles, of either
// kind, are merged on deletion.
func merges(rec *profilerecordingv1alpha1.ProfileRecording) bool {
	return rec.Spec.MergeStrategy == profilerecordingv1alpha1.MergeContainers
}

// reconcileNormal writes the profiles the recording produced and whether
// its recorder runs.
func (r *Reconciler) reconcileNormal(ctx context.Context, rec *profilerecordingv1alpha1.ProfileRecording) error {
	profiles, err := r.listProfiles(ctx, rec)
	if err != nil {
		return err
	}
	rs, err := r.recorders(ctx)
	if err != nil {
		return err
	}
	_, err = r.writeStatus(ctx, rec, profileNames(profiles), Readiness(rec, rs))
	return err
}

// recorders reads what spod runs.
func (r *Reconciler) recorders(ctx context.Context) (Recorders, error) {
	key := types.NamespacedName{Namespace: r.OperatorNamespace, Name: spodv1alpha1.Name}
	rs := Recorders{Spod: key.String(), LogEnricher: r.ForceLogEnricher}
	spod := &spodv1alpha1.SecurityProfilesOperatorDaemon{}
	err := r.Client.Get(ctx, key, spod)
	if apierrors.IsNotFound(err) {
		return rs, nil
	}
	if err != nil {
		return rs, fmt.Errorf("get %s: %w", key, err)
	}
	rs.Found = true
	rs.BPF = spod.Spec.EnableBpfRecorder
	rs.LogEnricher = rs.LogEnricher || spod.Spec.EnableLogEnricher
	return rs, nil
}

// profileNames returns the sorted names of the profiles not being
// deleted, each once (a SeccompProfile and a SelinuxProfile may share
// one), or nil.
func profileNames(profiles []client.Object) []string {
	var out []string
	for _, p := range profiles {
		if p.GetDeletionTimestamp().IsZero() {
			out = append(out, p.GetName())
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
