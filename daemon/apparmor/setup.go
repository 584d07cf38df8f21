package apparmor

import (
	"context"
	"errors"
	"os"
	"path/filepath"

	"k8s.io/apimachinery/pkg/api/equality"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	apparmorprofilev1alpha1 "github.com/securityprofiles/operator/apis/apparmorprofile/v1alpha1"
	"github.com/securityprofiles/operator/daemon/nodestatus"
	internalapparmor "github.com/securityprofiles/operator/internal/apparmor"
)

// Validator checks a policy before it is loaded; internalapparmor.Validator
// on a node.
type Validator interface {
	Validate(ctx context.Context, policy, name string) error
}

// Loader changes the kernel's profiles; internalapparmor.Loader on a node,
// a fake in tests (this kernel interface needs CAP_MAC_ADMIN and a kernel
// with AppArmor).
type Loader interface {
	Load(ctx context.Context, policy string) error
	Unload(ctx context.Context, name string) error
}

// Config is what the AppArmor reconciler needs to know about its node.
type Config struct {
	// NodeName is the node the daemon runs on.
	NodeName string
	// Enabled says whether the node's kernel has AppArmor enabled; when it
	// has not, Validator and Loader are never called.
	Enabled   bool
	Validator Validator
	Loader    Loader
	// Status writes the node's statuses, shared with the node's other
	// installers; Setup adds one of its own when nil.
	Status *nodestatus.Writer
}

// NodeConfig probes the node: AppArmor is enabled when sysfs under sysRoot
// (the node's /sys) says so. Policies are validated against the kernel's
// own feature ABI under securityFS when it is there, else the pinned one,
// and loaded through securityFS.
func NodeConfig(nodeName, sysRoot, securityFS string) (Config, error) {
	enabled, err := internalapparmor.Enabled(sysRoot)
	if err != nil {
		return Config{}, err
	}
	v := internalapparmor.Validator{}
	features := filepath.Join(securityFS, "apparmor", "features")
	if _, err := os.Stat(features); err == nil && enabled {
		v.Features = features
	}
	return Config{NodeName: nodeName, Enabled: enabled, Validator: v,
		Loader: internalapparmor.Loader{SecurityFS: securityFS}}, nil
}

// Setup registers the node's AppArmorProfile reconciler with mgr.
func Setup(mgr ctrl.Manager, cfg Config) error {
	if cfg.NodeName == "" {
		return errors.New("apparmor: no node name")
	}
	if cfg.Enabled && (cfg.Validator == nil || cfg.Loader == nil) {
		return errors.New("apparmor: a node with AppArmor needs a validator and a loader")
	}
	RegisterMetrics()
	status := cfg.Status
	if status == nil {
		var err error
		if status, err = nodestatus.Add(mgr, cfg.NodeName); err != nil {
			return err
		}
	}
	r := &Reconciler{
		Client:    mgr.GetClient(),
		Recorder:  mgr.GetEventRecorder("spod-" + cfg.NodeName),
		Status:    status,
		Enabled:   cfg.Enabled,
		Validator: cfg.Validator,
		Loader:    cfg.Loader,
	}
	return ctrl.NewControllerManagedBy(mgr).
		Named("apparmorprofile-node").
		// A spec change (or a deletion held by a finalizer) bumps the
		// generation; of status writes, only a new verdict of the
		// manager matters here.
		For(&apparmorprofilev1alpha1.AppArmorProfile{}, builder.WithPredicates(
			predicate.Or[client.Object](predicate.GenerationChangedPredicate{}, verdictChanged()))).
		Complete(r)
}

// verdictChanged passes updates that change the PolicyValid condition.
func verdictChanged() predicate.Funcs {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		before, okBefore := e.ObjectOld.(*apparmorprofilev1alpha1.AppArmorProfile)
		after, okAfter := e.ObjectNew.(*apparmorprofilev1alpha1.AppArmorProfile)
		return !okBefore || !okAfter || !equality.Semantic.DeepEqual(verdictKey(before), verdictKey(after))
	}}
}
