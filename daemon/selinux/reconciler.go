package selinux

import (
	"context"
	"errors"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/securityprofiles/operator/apis/keys"
	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	"github.com/securityprofiles/operator/daemon/nodestatus"
	"github.com/securityprofiles/operator/internal/selinuxcil"
	"github.com/securityprofiles/operator/internal/selinuxd"
)

// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=selinuxprofiles;rawselinuxprofiles,verbs=get;list;watch
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=securityprofilesoperatordaemons,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reasons in node statuses, Events and selinux_profile_error_total. The
// Cannot* ones are the user manual's metric reasons.
const (
	ReasonNotSupported = "SelinuxNotSupportedOnNode"
	ReasonInvalid      = "InvalidSelinuxProfile"
	ReasonInvalidRaw   = "InvalidRawSelinuxProfile"
	// ReasonNameConflict: a SelinuxProfile of the namespace has the
	// RawSelinuxProfile's name, and with it the policy file.
	ReasonNameConflict       = "NameConflict"
	ReasonCannotSave         = "CannotSaveSelinuxPolicy"
	ReasonCannotUpdateStatus = "CannotUpdatePolicyStatus"
	ReasonCannotRemove       = "CannotRemoveSelinuxPolicy"
	ReasonCannotContact      = "CannotContactSelinuxd"
	ReasonCannotWrite        = "CannotWritePolicyFile"
	ReasonCannotGetStatus    = "CannotGetPolicyStatus"
	ReasonWaiting            = "WaitingForSelinuxd"
	ReasonInstalled          = "ProfileInstalled"
	ReasonDisabled           = "ProfileDisabled"
	ReasonInUse              = "ProfileInUse"
	ReasonRemoving           = "WaitingForPolicyRemoval"
)

// pollInterval is how often a pass asks selinuxd again while it installs
// or removes a policy. selinuxd has no way to push a change to us, and
// one install takes seconds, so this is a poll, not an error backoff.
const pollInterval = time.Second

// recheckInterval is how often a pass asks selinuxd again about a policy
// it has a verdict on (see install).
const recheckInterval = 30 * time.Second

// reconciler installs this node's copy of every profile of one kind.
type reconciler struct {
	client   client.Client
	events   events.EventRecorder
	status   *nodestatus.Writer
	dir      selinuxd.PolicyDir
	selinuxd *selinuxd.Client
	// enabled is whether this node's kernel runs SELinux.
	enabled bool
	// names is shared by the two kinds' reconcilers, see policyLocks.
	names *policyLocks
	kind  profileKind
}

// profileKind is what differs between SelinuxProfile and
// RawSelinuxProfile.
type profileKind struct {
	name nodestatusv1alpha1.ProfileKind
	// invalidReason is reported for a profile selinuxcil rejects.
	invalidReason string
	newObject     func() client.Object
	// namesake makes an object of the other kind, whose profile of the
	// same name competes for the policy file; ownsName is whether this
	// kind wins (see ownsPolicy).
	namesake func() client.Object
	ownsName bool
	disabled func(client.Object) bool
	// policy renders a profile as CIL. A *selinuxcil.InvalidError means
	// the profile cannot be installed as it is; any other error is
	// transient.
	policy func(context.Context, client.Object) ([]byte, error)
}

// Reconcile brings the profile's policy file and node status in line with
// the profile.
func (r *reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	// The other kind's pass over the same policy name waits for this one.
	defer r.names.lock(policyName(req.NamespacedName))()
	obj := r.kind.newObject()
	if err := r.client.Get(ctx, req.NamespacedName, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return r.uninstall(ctx, req.NamespacedName, nil)
		}
		return ctrl.Result{}, err
	}
	if obj.GetLabels()[keys.PartialLabel] == "true" {
		// Partial recordings wait to be merged; they are never enforced.
		return r.uninstall(ctx, req.NamespacedName, obj)
	}
	if !obj.GetDeletionTimestamp().IsZero() {
		if controllerutil.ContainsFinalizer(obj, keys.InUseFinalizer) {
			// Running pods still carry the policy's type: removing the
			// module now would leave their processes in an undefined
			// context. Dropping the finalizer triggers the next pass.
			return ctrl.Result{}, r.setState(ctx, obj, stateTerminating, ReasonInUse,
				"deletion waits for the pods using the policy to stop")
		}
		return r.uninstall(ctx, req.NamespacedName, obj)
	}
	// Before the disabled switch, which would remove the file.
	owns, err := r.ownsPolicy(ctx, req.NamespacedName, true)
	if err != nil {
		return ctrl.Result{}, err
	}
	if !owns {
		return ctrl.Result{}, r.conflict(ctx, obj)
	}
	if r.kind.disabled(obj) {
		return ctrl.Result{}, r.disable(ctx, obj)
	}
	if !r.enabled {
		countError(ReasonNotSupported)
		return ctrl.Result{}, r.fail(ctx, obj, ReasonNotSupported,
			"SELinux is not enabled in this node's kernel: the policy cannot be installed here")
	}
	cil, err := r.kind.policy(ctx, obj)
	var invalid *selinuxcil.InvalidError
	if errors.As(err, &invalid) {
		countError(r.kind.invalidReason)
		return ctrl.Result{}, r.reject(ctx, obj, invalid.Error())
	}
	if err != nil {
		return ctrl.Result{}, err
	}
	return r.install(ctx, obj, cil)
}

// policyName is the name of a profile's policy, its file and its module.
func policyName(key client.ObjectKey) string {
	return selinuxcil.PolicyName(key.Name, key.Namespace)
}

// reject removes any installed copy (a profile that stopped complying must
// not stay installed) and reports why. Retrying cannot help until the
// profile or spod changes, which triggers a new pass.
func (r *reconciler) reject(ctx context.Context, obj client.Object, message string) error {
	if err := r.removeFile(policyName(client.ObjectKeyFromObject(obj))); err != nil {
		return err
	}
	return r.fail(ctx, obj, r.kind.invalidReason, message)
}

// fail reports a problem only a change of the profile or the node can
// fix, as an Error state, a Warning Event and a terminal error.
func (r *reconciler) fail(ctx context.Context, obj client.Object, reason, message string) error {
	if err := r.setState(ctx, obj, stateError, reason, message); err != nil {
		return err
	}
	return reconcile.TerminalError(errors.New(reason + ": " + message))
}

// disable removes the profile's policy from this node and reports it
// Disabled; the object stays, and enabling it installs it again.
func (r *reconciler) disable(ctx context.Context, obj client.Object) error {
	if err := r.removeFile(policyName(client.ObjectKeyFromObject(obj))); err != nil {
		return err
	}
	return r.setState(ctx, obj, stateDisabled, ReasonDisabled, "spec.disabled is set: not installed on this node")
}
