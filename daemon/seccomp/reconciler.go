package seccomp

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/securityprofiles/operator/apis/keys"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/daemon/nodestatus"
	"github.com/securityprofiles/operator/internal/seccomp"
)

const kind = "SeccompProfile"

// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=seccompprofiles,verbs=get;list;watch
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=securityprofilesoperatordaemons,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconciler installs this node's copy of every SeccompProfile.
type Reconciler struct {
	Client            client.Client
	Recorder          events.EventRecorder
	Store             *Store
	Status            *nodestatus.Writer
	OperatorNamespace string
	// WatchNamespace, when set, is the one namespace besides
	// OperatorNamespace whose profiles this daemon handles
	// (RESTRICT_TO_NAMESPACE); its cache holds no other. Empty means all.
	WatchNamespace string
	// Unsupported is why this node cannot enforce seccomp, or nil.
	Unsupported error
}

// Reconcile brings the profile's file and node status in line with the
// profile.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	sp := &seccompprofilev1beta1.SeccompProfile{}
	if err := r.Client.Get(ctx, req.NamespacedName, sp); err != nil {
		if apierrors.IsNotFound(err) {
			return ctrl.Result{}, r.reconcileGone(ctx, req.NamespacedName)
		}
		return ctrl.Result{}, err
	}
	if sp.Labels[keys.PartialLabel] == "true" {
		// Partial recordings wait to be merged; they are never enforced.
		return ctrl.Result{}, r.reconcileGone(ctx, req.NamespacedName)
	}
	if !sp.DeletionTimestamp.IsZero() {
		// Pods may still use the file while the in-use finalizer holds the
		// object; it goes when the object does.
		return ctrl.Result{}, r.setState(ctx, sp, profilebasev1alpha1.StateTerminating, "Terminating", "profile is being deleted")
	}
	if sp.Spec.Disabled {
		return ctrl.Result{}, r.disable(ctx, sp)
	}
	if r.Unsupported != nil {
		countError(ReasonNotSupported)
		return ctrl.Result{}, r.reject(ctx, sp, &RejectedError{Reason: ReasonNotSupported, Message: r.Unsupported.Error()})
	}
	data, audit, err := r.compile(ctx, sp)
	var rej *RejectedError
	if errors.As(err, &rej) {
		// Counted under its own reason: an action or syscall spod does not
		// allow is a policy decision, not a malformed profile.
		countError(rej.Reason)
		return ctrl.Result{}, r.reject(ctx, sp, rej)
	}
	if err != nil {
		return ctrl.Result{}, err
	}
	// The audit copy first: once the profile reads Installed, pods bound
	// to it in either mode find their file.
	auditChanged, err := r.Store.WriteAudit(sp.Namespace, sp.Name, audit)
	if err != nil {
		countError(ReasonCannotSave)
		_ = r.setState(ctx, sp, profilebasev1alpha1.StateError, ReasonCannotSave, err.Error())
		return ctrl.Result{}, fmt.Errorf("write audit copy of profile %s: %w", req.NamespacedName, err)
	}
	changed, err := r.Store.Write(sp.Namespace, sp.Name, data)
	if err != nil {
		countError(ReasonCannotSave)
		_ = r.setState(ctx, sp, profilebasev1alpha1.StateError, ReasonCannotSave, err.Error())
		return ctrl.Result{}, fmt.Errorf("write profile %s: %w", req.NamespacedName, err)
	}
	if changed || auditChanged {
		countOperation(operationUpdate)
	}
	ctrl.LoggerFrom(ctx).V(1).Info("Profile file is up to date", "path", r.Store.Path(sp.Namespace, sp.Name),
		"bytes", len(data), "written", changed, "auditCopyWritten", auditChanged)
	return ctrl.Result{}, r.setState(ctx, sp, profilebasev1alpha1.StateInstalled, ReasonInstalled,
		"installed at "+r.Store.Path(sp.Namespace, sp.Name))
}

// compile resolves the profile against its namespace and spod's limits
// and returns the bytes to install: the profile and its audit
// copy (see seccomp.AuditCopyWithin).
func (r *Reconciler) compile(ctx context.Context, sp *seccompprofilev1beta1.SeccompProfile) (profile, audit []byte, err error) {
	spod := &spodv1alpha1.SecurityProfilesOperatorDaemon{}
	err = r.Client.Get(ctx, types.NamespacedName{Namespace: r.OperatorNamespace, Name: spodv1alpha1.Name}, spod)
	if client.IgnoreNotFound(err) != nil {
		return nil, nil, fmt.Errorf("read spod configuration: %w", err)
	}
	var lookupErr error
	lookup := func(name string) (*seccompprofilev1beta1.SeccompProfileSpec, bool) {
		base := &seccompprofilev1beta1.SeccompProfile{}
		err := r.Client.Get(ctx, types.NamespacedName{Namespace: sp.Namespace, Name: name}, base)
		if err != nil {
			if !apierrors.IsNotFound(err) {
				lookupErr = err
			}
			return nil, false
		}
		return &base.Spec, true
	}
	p, err := Resolve(sp.Spec, lookup)
	if lookupErr != nil {
		return nil, nil, fmt.Errorf("read base profile: %w", lookupErr)
	}
	if err != nil {
		return nil, nil, err
	}
	if profile, err = Encode(p, LimitsOf(spod.Spec)); err != nil {
		return nil, nil, err
	}
	if audit, err = seccomp.EncodeOCI(seccomp.AuditCopyWithin(p, spod.Spec.AllowedSyscalls)); err != nil {
		return nil, nil, rejected(ReasonInvalid, "audit copy: %v", err)
	}
	return profile, audit, nil
}

// reject removes any installed copy (a profile that stopped complying must
// not stay enforceable) and reports why. Retrying cannot help until the
// profile or spod changes, which triggers a new pass.
func (r *Reconciler) reject(ctx context.Context, sp *seccompprofilev1beta1.SeccompProfile, rej *RejectedError) error {
	removed, err := r.Store.Remove(sp.Namespace, sp.Name)
	if err != nil {
		countError(ReasonCannotRemove)
		return fmt.Errorf("remove rejected profile: %w", err)
	}
	if removed {
		countOperation(operationDelete)
	}
	if err := r.setState(ctx, sp, profilebasev1alpha1.StateError, rej.Reason, rej.Message); err != nil {
		return err
	}
	return reconcile.TerminalError(rej)
}

// setState writes the node status and, when it changed to Error, a Warning
// Event. An install sends none: the manager announces the profile once it
// is Installed on every node (see profilestate.AnnounceInstalled).
func (r *Reconciler) setState(ctx context.Context, sp *seccompprofilev1beta1.SeccompProfile,
	state profilebasev1alpha1.ProfileState, reason, message string) error {
	changed, err := r.Status.Set(ctx, sp, kind, nodestatus.State{Status: state, Reason: reason, Message: message})
	if err != nil {
		countError(ReasonNodeStatus)
		return fmt.Errorf("update node status: %w", err)
	}
	if !changed || r.Recorder == nil {
		return nil
	}
	if state == profilebasev1alpha1.StateError {
		r.Recorder.Eventf(sp, nil, corev1.EventTypeWarning, reason, "Install",
			"Not installed on node %s: %s", r.Status.NodeName(), message)
	}
	return nil
}

// disable removes the profile's files from this node and reports it
// Disabled; the object stays, and enabling it installs it again.
func (r *Reconciler) disable(ctx context.Context, sp *seccompprofilev1beta1.SeccompProfile) error {
	removed, err := r.Store.Remove(sp.Namespace, sp.Name)
	if err != nil {
		countError(ReasonCannotRemove)
		return fmt.Errorf("remove disabled profile: %w", err)
	}
	if removed {
		countOperation(operationDelete)
	}
	return r.setState(ctx, sp, profilebasev1alpha1.StateDisabled, ReasonDisabled, "spec.disabled is set: not installed on this node")
}

// reconcileGone removes the file and this node's status of a profile that
// no longer exists (or must not be enforced).
func (r *Reconciler) reconcileGone(ctx context.Context, key types.NamespacedName) error {
	removed, err := r.Store.Remove(key.Namespace, key.Name)
	if err != nil {
		countError(ReasonCannotRemove)
		return fmt.Errorf("remove profile %s: %w", key, err)
	}
	if removed {
		countOperation(operationDelete)
	}
	return r.Status.Delete(ctx, key.Namespace, kind, key.Name)
}
