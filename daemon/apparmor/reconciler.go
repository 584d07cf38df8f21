package apparmor

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

	apparmorprofilev1alpha1 "github.com/securityprofiles/operator/apis/apparmorprofile/v1alpha1"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	"github.com/securityprofiles/operator/daemon/nodestatus"
	internalapparmor "github.com/securityprofiles/operator/internal/apparmor"
)

const kind = "AppArmorProfile"

// Reasons in node status, Events and the error metric's reason label.
const (
	ReasonNotSupported         = "AppArmorNotSupportedOnNode"
	ReasonInvalid              = "InvalidAppArmorProfile"
	ReasonCannotLoad           = "CannotLoadAppArmorProfile"
	ReasonCannotRemove         = "CannotRemoveAppArmorProfile"
	ReasonNodeStatus           = "CannotUpdateNodeStatus"
	ReasonInstalled            = "ProfileInstalled"
	ReasonTerminating          = "Terminating"
	ReasonDisabled             = "ProfileDisabled"
	ReasonWaitingForValidation = "WaitingForValidation"
)

// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=apparmorprofiles,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconciler loads this node's copy of every AppArmorProfile.
//
// The kernel holds one profile per name, for the whole node: profiles are
// loaded under their metadata.name, whatever their namespace. As the user
// manual says, loading replaces a loaded profile of the same name, be it
// another namespace's AppArmorProfile or one the node's administrator
// loaded, and removing an AppArmorProfile removes whatever the kernel holds
// under its name. Who may create AppArmorProfiles may change the
// confinement of every pod on the nodes.
type Reconciler struct {
	Client   client.Client
	Recorder events.EventRecorder
	Status   *nodestatus.Writer
	// Enabled says whether this node's kernel has AppArmor enabled.
	Enabled   bool
	Validator Validator
	Loader    Loader
}

// Reconcile brings the kernel's copy of the profile and this node's status
// in line with the profile.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	p := &apparmorprofilev1alpha1.AppArmorProfile{}
	if err := r.Client.Get(ctx, req.NamespacedName, p); err != nil {
		if apierrors.IsNotFound(err) {
			return ctrl.Result{}, r.reconcileGone(ctx, req.NamespacedName)
		}
		return ctrl.Result{}, err
	}
	if !p.DeletionTimestamp.IsZero() {
		// Removing a profile moves the tasks it confines to unconfined:
		// it stays loaded while a finalizer (pods using it) holds the
		// object, and goes when the object does.
		return ctrl.Result{}, r.setState(ctx, p, profilebasev1alpha1.StateTerminating, ReasonTerminating,
			"profile is being deleted: it stays loaded until the object is gone")
	}
	if !r.Enabled {
		return ctrl.Result{}, r.notSupported(ctx, p)
	}
	if p.Spec.Disabled {
		return ctrl.Result{}, r.disable(ctx, p)
	}
	// Until the manager accepts the current policy, and when it refuses
	// it, a copy loaded earlier stays: unloading it would unconfine the
	// pods running under it. A new edit waits for its verdict.
	if st, ok := managerVerdict(p); !ok {
		if err := r.setState(ctx, p, st.Status, st.Reason, st.Message); err != nil {
			return ctrl.Result{}, err
		}
		if st.Status == profilebasev1alpha1.StateError {
			countError(ReasonInvalid)
			return ctrl.Result{}, reconcile.TerminalError(errors.New(st.Message))
		}
		return ctrl.Result{}, nil
	}
	return ctrl.Result{}, r.load(ctx, p)
}

// load validates the policy against this node's feature ABI (the manager
// checked it against a pinned one) and loads it.
func (r *Reconciler) load(ctx context.Context, p *apparmorprofilev1alpha1.AppArmorProfile) error {
	err := r.Validator.Validate(ctx, p.Spec.Policy, p.Name)
	var inv *internalapparmor.InvalidError
	if errors.As(err, &inv) {
		countError(ReasonInvalid)
		msg := fmt.Sprintf("invalid on this node (%s): %s", inv.Reason, inv.Message)
		if err := r.setState(ctx, p, profilebasev1alpha1.StateError, ReasonInvalid, msg); err != nil {
			return err
		}
		return reconcile.TerminalError(inv)
	}
	if err == nil {
		err = r.Loader.Load(ctx, p.Spec.Policy)
	}
	if err != nil {
		countError(ReasonCannotLoad)
		_ = r.setState(ctx, p, profilebasev1alpha1.StateError, ReasonCannotLoad, err.Error())
		return fmt.Errorf("load AppArmor profile %s/%s: %w", p.Namespace, p.Name, err)
	}
	countOperation(operationUpdate)
	ctrl.LoggerFrom(ctx).V(1).Info("Profile loaded", "profile", p.Name, "generation", p.Generation)
	return r.setState(ctx, p, profilebasev1alpha1.StateInstalled, ReasonInstalled, "loaded into the kernel as "+p.Name)
}

// notSupported reports a node whose kernel cannot load profiles. Nothing
// is loaded, and retrying cannot help: a new pass comes with a change to
// the profile, or with a daemon restarted on a kernel that has AppArmor.
func (r *Reconciler) notSupported(ctx context.Context, p *apparmorprofilev1alpha1.AppArmorProfile) error {
	if p.Spec.Disabled {
		return r.setState(ctx, p, profilebasev1alpha1.StateDisabled, ReasonDisabled, "spec.disabled is set: not loaded on this node")
	}
	countError(ReasonNotSupported)
	msg := "AppArmor is not enabled in this node's kernel: the profile cannot be loaded here"
	if err := r.setState(ctx, p, profilebasev1alpha1.StateError, ReasonNotSupported, msg); err != nil {
		return err
	}
	return reconcile.TerminalError(errors.New(msg))
}

// disable removes the profile from the kernel and reports it Disabled; the
// object stays, and enabling it loads it again.
func (r *Reconciler) disable(ctx context.Context, p *apparmorprofilev1alpha1.AppArmorProfile) error {
	if err := r.unload(ctx, p.Name); err != nil {
		return err
	}
	return r.setState(ctx, p, profilebasev1alpha1.StateDisabled, ReasonDisabled, "spec.disabled is set: not loaded on this node")
}

// reconcileGone removes the profile of an object that no longer exists
// from the kernel, and its state from this node's status.
func (r *Reconciler) reconcileGone(ctx context.Context, key types.NamespacedName) error {
	if r.Enabled {
		if err := r.unload(ctx, key.Name); err != nil {
			return err
		}
	}
	return r.Status.Delete(ctx, key.Namespace, kind, key.Name)
}

func (r *Reconciler) unload(ctx context.Context, name string) error {
	if err := r.Loader.Unload(ctx, name); err != nil {
		countError(ReasonCannotRemove)
		return fmt.Errorf("remove AppArmor profile %s: %w", name, err)
	}
	countOperation(operationDelete)
	return nil
}

// setState writes the node status and, when it changed to Error, a Warning
// Event.
func (r *Reconciler) setState(ctx context.Context, p *apparmorprofilev1alpha1.AppArmorProfile,
	state profilebasev1alpha1.ProfileState, reason, message string) error {
	changed, err := r.Status.Set(ctx, p, kind, nodestatus.State{Status: state, Reason: reason, Message: message})
	if err != nil {
		countError(ReasonNodeStatus)
		return fmt.Errorf("update node status: %w", err)
	}
	if !changed || r.Recorder == nil {
		return nil
	}
	// Problems only: the manager announces a load on every node.
	if state == profilebasev1alpha1.StateError {
		r.Recorder.Eventf(p, nil, corev1.EventTypeWarning, reason, "Load", "Not loaded on node %s: %s", r.Status.NodeName(), message)
	}
	return nil
}
