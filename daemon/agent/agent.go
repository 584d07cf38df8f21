package agent

import (
	"context"
	"fmt"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apparmorprofilev1alpha1 "github.com/securityprofiles/operator/apis/apparmorprofile/v1alpha1"
	"github.com/securityprofiles/operator/apis/keys"
	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
	"github.com/securityprofiles/operator/daemon/nodestatus"
	"github.com/securityprofiles/operator/daemon/seccomp"
	"github.com/securityprofiles/operator/internal/kubeletdir"
	"github.com/securityprofiles/operator/internal/podcache"
	internalseccomp "github.com/securityprofiles/operator/internal/seccomp"
)

// DefaultOperatorNamespace is where spod lives unless told otherwise.
const DefaultOperatorNamespace = "security-profiles-operator"

// Config is what a node daemon needs to know about its node.
type Config struct {
	// NodeName is the node the daemon runs on.
	NodeName string
	// KubeletDir is the KUBELET_DIR environment value, if any; the node's
	// directory-location label wins over it.
	KubeletDir string
	// StorageDir is the rootless profile storage linked into the kubelet
	// root; seccomp.DefaultStorageDir when empty.
	StorageDir string
	// ProcDir is the node's /proc (spod's hostProcVolumePath).
	ProcDir string
	// OperatorNamespace holds the spod configuration;
	// DefaultOperatorNamespace when empty.
	OperatorNamespace string
	// WatchNamespace, when set, restricts the daemon to the profiles,
	// recordings and pods of that namespace and of OperatorNamespace
	// (RESTRICT_TO_NAMESPACE, the namespaced install), as the manager is.
	// Its cache then holds nothing of other namespaces, so the start-up
	// sweeps leave their files alone: to a restricted daemon, another
	// namespace's profile looks deleted. Empty means every namespace.
	WatchNamespace string
	// MemoryOptimization narrows the pod cache to pods labelled for
	// recording (ENABLE_MEMORY_OPTIMIZATION); see CacheOptions.
	MemoryOptimization bool
	// AppArmor loads AppArmorProfiles on the node (spod's enableAppArmor,
	// passed as ENABLE_APPARMOR=true).
	AppArmor bool
	// Selinux installs SelinuxProfiles and RawSelinuxProfiles through the
	// selinuxd container next to the daemon (spod's enableSelinux, passed
	// as ENABLE_SELINUX=true).
	Selinux bool
}

// +kubebuilder:rbac:groups="",resources=nodes,verbs=get;list;watch

// CacheOptions are the cache options of a daemon on nodeName without
// memory optimization; see Config.CacheOptions.
func CacheOptions(nodeName string) cache.Options {
	return Config{NodeName: nodeName}.CacheOptions()
}

// CacheOptions limit the daemon's cache to what concerns its node, so
// memory stays flat as the cluster grows:
//
//   - no SecurityProfileNodeStatus: the daemon writes its node's from
//     what it knows, and reads them from the API server only at start
//     (see nodestatus.Writer);
//   - pods (watched by profile recording and audit mode) only those
//     scheduled to its node; with
//     MemoryOptimization (spod's enableMemoryOptimization, passed as
//     ENABLE_MEMORY_OPTIMIZATION=true) only those of them labelled
//     spo.x-k8s.io/enable-recording, so a node with thousands of pods
//     caches only the few being recorded;
//   - with WatchNamespace set, namespaced objects of every kind (these
//     included: a ByObject entry without Namespaces inherits
//     DefaultNamespaces, each namespace keeping the entry's selectors)
//     only in WatchNamespace and the operator namespace, where spod is;
//   - pods are trimmed to what recording and the enricher's container
//     directory read (podcache.Daemon): no env, volumes or statuses
//     beyond container names and IDs;
//   - managedFields are dropped from every cached object: nothing in the
//     daemon reads them, and on large objects they are often the biggest
//     part. Writes never send cached managedFields, so the API server
//     keeps its own.
//
// An entry for a kind nobody watches starts no informer.
func (c Config) CacheOptions() cache.Options {
	pods := cache.ByObject{Field: fields.OneTermEqualSelector("spec.nodeName", c.NodeName), Transform: podcache.Daemon()}
	if c.MemoryOptimization {
		pods.Label = labels.SelectorFromSet(nil).Add(mustRequirement(keys.EnableRecordingLabel, selection.Exists))
	}
	opts := cache.Options{
		DefaultTransform: cache.TransformStripManagedFields(),
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Pod{}: pods,
		},
	}
	if c.WatchNamespace != "" {
		opts.DefaultNamespaces = map[string]cache.Config{c.WatchNamespace: {}, c.operatorNamespace(): {}}
	}
	return opts
}

// handledNamespaces are the namespaces whose profiles this daemon
// installs; nil means all.
func (c Config) handledNamespaces() []string {
	if c.WatchNamespace == "" {
		return nil
	}
	return []string{c.WatchNamespace, c.operatorNamespace()}
}

// installedKinds are the profile kinds this daemon installs, for the
// start-up sweep of its node statuses.
func (c Config) installedKinds() map[nodestatusv1alpha1.ProfileKind]func() client.Object {
	kinds := map[nodestatusv1alpha1.ProfileKind]func() client.Object{
		"SeccompProfile": func() client.Object { return &seccompprofilev1beta1.SeccompProfile{} },
	}
	if c.AppArmor {
		kinds["AppArmorProfile"] = func() client.Object { return &apparmorprofilev1alpha1.AppArmorProfile{} }
	}
	if c.Selinux {
		kinds["SelinuxProfile"] = func() client.Object { return &selinuxprofilev1alpha2.SelinuxProfile{} }
		kinds["RawSelinuxProfile"] = func() client.Object { return &selinuxprofilev1alpha2.RawSelinuxProfile{} }
	}
	return kinds
}

func (c Config) operatorNamespace() string {
	if c.OperatorNamespace == "" {
		return DefaultOperatorNamespace
	}
	return c.OperatorNamespace
}

func mustRequirement(key string, op selection.Operator) labels.Requirement {
	r, err := labels.NewRequirement(key, op, nil)
	if err != nil {
		panic(err) // our own constant key
	}
	return *r
}

// The daemon's metrics callers are checked with the API server.
// +kubebuilder:rbac:groups=authentication.k8s.io,resources=tokenreviews,verbs=create
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create

// Setup registers the node's reconcilers with mgr. reader must be able to
// read before the manager's cache starts (e.g. mgr.GetAPIReader()).
func Setup(ctx context.Context, mgr ctrl.Manager, reader client.Reader, cfg Config) error {
	log := ctrl.LoggerFrom(ctx).WithValues("node", cfg.NodeName)
	node := &corev1.Node{}
	if err := reader.Get(ctx, types.NamespacedName{Name: cfg.NodeName}, node); err != nil {
		return fmt.Errorf("read node %s: %w", cfg.NodeName, err)
	}
	kubelet, err := kubeletdir.Resolve(node.Labels[keys.NodeDirectoryLocationLabel], cfg.KubeletDir)
	if err != nil {
		return err
	}
	storage := cfg.StorageDir
	if storage == "" {
		storage = seccomp.DefaultStorageDir
	}
	store, err := seccomp.OpenStore(storage, kubelet)
	if err != nil {
		return err
	}
	if err := installLogAll(store); err != nil {
		return err
	}
	proc := cfg.ProcDir
	if proc == "" {
		proc = "/proc"
	}
	unsupported := seccomp.CheckSupport(filepath.Clean(proc))
	if unsupported != nil {
		log.Info("Node cannot enforce seccomp profiles; none will be installed", "reason", unsupported.Error())
	}
	log.Info("Installing seccomp profiles", "kubeletDir", kubelet, "storageDir", storage)
	ns := cfg.operatorNamespace()
	status, err := nodestatus.Add(mgr, cfg.NodeName)
	if err != nil {
		return err
	}
	r := &seccomp.Reconciler{
		Client:            mgr.GetClient(),
		Recorder:          mgr.GetEventRecorder("spod-" + cfg.NodeName),
		Store:             store,
		Status:            status,
		OperatorNamespace: ns,
		WatchNamespace:    cfg.WatchNamespace,
		Unsupported:       unsupported,
	}
	if err := r.SetupWithManager(ctx, mgr); err != nil {
		return err
	}
	if err := setupLSMs(ctx, log, mgr, cfg, filepath.Clean(proc), ns, status); err != nil {
		return err
	}
	return mgr.Add(nodestatus.Sweep{Writer: status, Profiles: mgr.GetClient(), Kinds: cfg.installedKinds(),
		Namespaces: cfg.handledNamespaces()})
}

// installLogAll writes the log-all profile the recording webhook assigns to
// containers recorded from their audit logs: every syscall is allowed and
// logged.
func installLogAll(store *seccomp.Store) error {
	data, err := internalseccomp.EncodeOCI(internalseccomp.Profile{DefaultAction: keys.LogAllDefaultAction})
	if err != nil {
		return fmt.Errorf("encode %s: %w", keys.LogAllProfileName, err)
	}
	if _, err := store.WriteOperatorProfile(keys.LogAllProfileName, data); err != nil {
		return fmt.Errorf("install %s: %w", keys.LogAllProfileName, err)
	}
	return nil
}
