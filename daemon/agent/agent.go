package agent

import (
	"context"
	"fmt"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	"github.com/securityprofiles/operator/daemon/nodestatus"
	"github.com/securityprofiles/operator/daemon/seccomp"
	"github.com/securityprofiles/operator/internal/kubeletdir"
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
	// OperatorNamespace holds the spod configuration.
	OperatorNamespace string
}

// +kubebuilder:rbac:groups="",resources=nodes,verbs=get;list;watch

// CacheOptions limits the daemon's cache to what concerns its node: of the
// SecurityProfileNodeStatus objects (one per profile and node) it sees only
// its own, so memory stays flat as nodes are added.
func CacheOptions(nodeName string) cache.Options {
	return cache.Options{ByObject: map[client.Object]cache.ByObject{
		&nodestatusv1alpha1.SecurityProfileNodeStatus{}: {
			Label: labels.SelectorFromSet(labels.Set{keys.NodeNameLabel: nodestatus.LabelValue(nodeName)}),
		},
	}}
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
	ns := cfg.OperatorNamespace
	if ns == "" {
		ns = DefaultOperatorNamespace
	}
	r := &seccomp.Reconciler{
		Client:            mgr.GetClient(),
		Recorder:          mgr.GetEventRecorder("spod-" + cfg.NodeName),
		Store:             store,
		Status:            &nodestatus.Writer{Client: mgr.GetClient(), NodeName: cfg.NodeName},
		OperatorNamespace: ns,
		Unsupported:       unsupported,
	}
	return r.SetupWithManager(ctx, mgr)
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
