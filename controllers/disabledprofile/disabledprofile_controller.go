package disabledprofile

import (
	"context"
	"fmt"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apparmorprofilev1alpha1 "github.com/securityprofiles/operator/apis/apparmorprofile/v1alpha1"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
)

// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=selinuxprofiles;rawselinuxprofiles;apparmorprofiles,verbs=get;list;watch
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=selinuxprofiles/status;rawselinuxprofiles/status;apparmorprofiles/status,verbs=get;update;patch

// Reasons on the Ready condition.
const (
	ReasonDisabled = "ProfileDisabled"
	ReasonEnabled  = "ProfileEnabled"
)

// kind adapts one profile kind: a new object, and its disabled switch and
// shared status.
type kind struct {
	name   string
	object func() client.Object
	fields func(client.Object) (disabled bool, status *profilebasev1alpha1.StatusBase)
}

var kinds = []kind{
	{"SelinuxProfile", func() client.Object { return &selinuxprofilev1alpha2.SelinuxProfile{} },
		func(o client.Object) (bool, *profilebasev1alpha1.StatusBase) {
			p := o.(*selinuxprofilev1alpha2.SelinuxProfile)
			return p.Spec.Disabled, &p.Status.StatusBase
		}},
	{"RawSelinuxProfile", func() client.Object { return &selinuxprofilev1alpha2.RawSelinuxProfile{} },
		func(o client.Object) (bool, *profilebasev1alpha1.StatusBase) {
			p := o.(*selinuxprofilev1alpha2.RawSelinuxProfile)
			return p.Spec.Disabled, &p.Status.StatusBase
		}},
	{"AppArmorProfile", func() client.Object { return &apparmorprofilev1alpha1.AppArmorProfile{} },
		func(o client.Object) (bool, *profilebasev1alpha1.StatusBase) {
			p := o.(*apparmorprofilev1alpha1.AppArmorProfile)
			return p.Spec.Disabled, &p.Status.StatusBase
		}},
}

// Reconciler reports one kind's disabled switch on its status.
type Reconciler struct {
	Client client.Client
	kind   kind
}

// Reconcile sets Disabled while spec.disabled is set and, once it is
// cleared, puts the profile back to Pending: nothing in this build
// installs the kind, so that is the truth.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	obj := r.kind.object()
	if err := r.Client.Get(ctx, req.NamespacedName, obj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	before := obj.DeepCopyObject().(client.Object)
	disabled, status := r.kind.fields(obj)
	var changed bool
	switch {
	case disabled:
		changed = status.SetState(profilebasev1alpha1.StateDisabled, ReasonDisabled,
			"spec.disabled is set: not installed on any node", obj.GetGeneration())
	case status.Status == profilebasev1alpha1.StateDisabled:
		changed = status.SetState(profilebasev1alpha1.StatePending, ReasonEnabled,
			"enabled again; this build installs no "+r.kind.name+" on nodes", obj.GetGeneration())
	}
	if !changed {
		return ctrl.Result{}, nil
	}
	if err := r.Client.Status().Patch(ctx, obj, client.MergeFrom(before)); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(fmt.Errorf("write %s status: %w", r.kind.name, err))
	}
	return ctrl.Result{}, nil
}

// SetupWithManager registers one reconciler per kind.
func SetupWithManager(mgr ctrl.Manager) error {
	for _, k := range kinds {
		r := &Reconciler{Client: mgr.GetClient(), kind: k}
		if err := ctrl.NewControllerManagedBy(mgr).Named("disabled-" + k.name).For(k.object()).Complete(r); err != nil {
			return fmt.Errorf("%s: %w", k.name, err)
		}
	}
	return nil
}
