// Command manager runs the operator's cluster-wide controllers.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/healthz"

	"github.com/securityprofiles/operator/controllers/lsmprofile"
	"github.com/securityprofiles/operator/controllers/podgate"
	"github.com/securityprofiles/operator/controllers/profilerecording"
	"github.com/securityprofiles/operator/controllers/seccompprofile"
	"github.com/securityprofiles/operator/controllers/selinuxnode"
	"github.com/securityprofiles/operator/controllers/spod"
	"github.com/securityprofiles/operator/internal/logging"
	"github.com/securityprofiles/operator/internal/podcache"
	"github.com/securityprofiles/operator/internal/profiling"
)

// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Metrics callers are checked with the API server (metricsserving).
// +kubebuilder:rbac:groups=authentication.k8s.io,resources=tokenreviews,verbs=create
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create

func main() {
	var (
		metricsAddr string
		probeAddr   string
		leaderElect bool
		verbosity   int
	)
	flag.StringVar(&metricsAddr, "metrics-bind-address", ":8443", "Address the metrics endpoint binds to; 0 disables it.")
	flag.StringVar(&probeAddr, "health-probe-bind-address", ":8081", "Address the health and readiness probes bind to.")
	flag.BoolVar(&leaderElect, "leader-elect", true, "Elect a leader so only one manager replica reconciles.")
	flag.IntVar(&verbosity, "verbosity", 0, "Log verbosity: 0, or 1 for detail.")
	// Flags override the RELATED_IMAGE_* environment OLM sets.
	spodConfig, envErr := spod.ConfigFromEnv()
	flag.StringVar(&spodConfig.DaemonImage, "daemon-image", spodConfig.DaemonImage, "Image of the node daemon (RELATED_IMAGE_DAEMON).")
	flag.StringVar(&spodConfig.WebhookImage, "webhook-image", spodConfig.WebhookImage, "Image of the webhook server (RELATED_IMAGE_WEBHOOK).")
	flag.StringVar(&spodConfig.SelinuxdImage, "selinuxd-image", spodConfig.SelinuxdImage, "Image of selinuxd (RELATED_IMAGE_SELINUXD).")
	flag.Parse()
	spodConfig.WatchNamespace = watchNamespace(os.Getenv("RESTRICT_TO_NAMESPACE"), os.Getenv("OLM_TARGET_NAMESPACES"))

	log := logging.Setup("manager", verbosity)
	if envErr != nil {
		log.Error(envErr, "Invalid environment")
		os.Exit(1)
	}
	if err := spodConfig.Validate(); err != nil {
		log.Error(err, "Invalid configuration")
		os.Exit(1)
	}
	ctx := ctrl.SetupSignalHandler()
	if err := profiling.StartFromEnv(ctx, log, os.Getenv); err != nil {
		log.Error(err, "Unable to start the profiling server")
		os.Exit(1)
	}
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), managerOptions(spodConfig, metricsAddr, probeAddr, leaderElect))
	if err != nil {
		log.Error(err, "Unable to create manager")
		os.Exit(1)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		log.Error(err, "Unable to add health check")
		os.Exit(1)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		log.Error(err, "Unable to add ready check")
		os.Exit(1)
	}
	if err := setupControllers(ctx, mgr, spodConfig); err != nil {
		log.Error(err, "Unable to set up the controllers")
		os.Exit(1)
	}
	log.Info("Starting manager")
	if err := mgr.Start(ctx); err != nil {
		log.Error(err, "Manager stopped with an error")
		os.Exit(1)
	}
}

// setupControllers registers the manager's controllers.
func setupControllers(ctx context.Context, mgr ctrl.Manager, spodConfig spod.Config) error {
	if err := (&seccompprofile.Reconciler{Client: mgr.GetClient(), Events: mgr.GetEventRecorder("seccompprofile-controller")}).SetupWithManager(ctx, mgr); err != nil {
		return fmt.Errorf("SeccompProfile controller: %w", err)
	}
	recordings := &profilerecording.Reconciler{
		Client:            mgr.GetClient(),
		APIReader:         mgr.GetAPIReader(),
		Events:            mgr.GetEventRecorder("profilerecording-controller"),
		OperatorNamespace: spodConfig.Namespace,
		ForceLogEnricher:  spodConfig.ForceLogEnricher,
	}
	if err := recordings.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("ProfileRecording controller: %w", err)
	}
	spodReconciler := &spod.Reconciler{
		Client: mgr.GetClient(),
		Events: mgr.GetEventRecorder("spod-controller"),
		Config: spodConfig,
	}
	if err := spodReconciler.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("spod controller: %w", err)
	}
	podGate := &podgate.Reconciler{
		Client:            mgr.GetClient(),
		Events:            mgr.GetEventRecorder("podgate-controller"),
		OperatorNamespace: spodConfig.Namespace,
		WatchNamespace:    spodConfig.WatchNamespace,
	}
	if err := podGate.SetupWithManager(ctx, mgr); err != nil {
		return fmt.Errorf("pod gate controller: %w", err)
	}
	selinuxNodes := &selinuxnode.Reconciler{
		Client:            mgr.GetClient(),
		APIReader:         mgr.GetAPIReader(),
		Events:            mgr.GetEventRecorder("selinuxnode-controller"),
		OperatorNamespace: spodConfig.Namespace,
	}
	if err := selinuxNodes.SetupWithManager(mgr); err != nil {
		return fmt.Errorf("SELinux node label controller: %w", err)
	}
	// The zero apparmor.Validator runs apparmor_parser from PATH.
	if err := lsmprofile.SetupWithManager(ctx, mgr, lsmprofile.Config{OperatorNamespace: spodConfig.Namespace}); err != nil {
		return fmt.Errorf("SELinux and AppArmor profile controllers: %w", err)
	}
	return nil
}

// watchNamespace is the one namespace the manager handles profiles in, or
// "" for all. RESTRICT_TO_NAMESPACE wins; otherwise OLM's target
// namespaces (OLM_TARGET_NAMESPACES, the olm.targetNamespaces annotation
// OLM puts on the pod) name it for an OwnNamespace or SingleNamespace
// install. OLM leaves the annotation empty for AllNamespaces, and the
// bundle does not offer MultiNamespace, which this cache cannot express.
func watchNamespace(restrictTo, olmTargets string) string {
	if restrictTo != "" {
		return restrictTo
	}
	targets := strings.Split(olmTargets, ",")
	if len(targets) == 1 {
		return strings.TrimSpace(targets[0])
	}
	return ""
}

// cacheOptions limit what the manager caches. The spod controller's kinds
// are cached in the operator namespace only. With RESTRICT_TO_NAMESPACE
// set, every other namespaced kind is cached in that namespace and the
// operator's only, so the operator handles profiles of one namespace and
// can run with namespace-scoped RBAC for namespaced kinds; cluster-scoped
// kinds (nodes, the webhook configuration) are unaffected. Every pod of
// the cluster is cached, trimmed to what the controllers read
// (podcache.Manager); managedFields are dropped from every kind, as no
// controller reads them and writes never send them.
// The initial sync streams the pods (client-go's WatchListClient, on by
// default) so each is trimmed as it arrives rather than after a LIST of
// every whole pod; KUBE_FEATURE_WatchListClient=false turns it off.
func cacheOptions(operatorNamespace, restrictTo string) cache.Options {
	opts := cache.Options{ByObject: spod.CacheOptions(operatorNamespace), DefaultTransform: cache.TransformStripManagedFields()}
	// No Namespaces: with restrictTo set the pods inherit DefaultNamespaces.
	opts.ByObject[&corev1.Pod{}] = cache.ByObject{Transform: podcache.Manager(operatorNamespace)}
	if restrictTo != "" {
		opts.DefaultNamespaces = map[string]cache.Config{restrictTo: {}, operatorNamespace: {}}
	}
	return opts
}
