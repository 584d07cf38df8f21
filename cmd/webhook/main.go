// Command webhook serves the binding.spo.io and recording.spo.io mutating
// admission webhooks over TLS, with their status controllers.
package main

import (
	"context"
	"flag"
	"os"
	"strings"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"

	"github.com/securityprofiles/operator/apis/keys"
	"github.com/securityprofiles/operator/internal/logging"
	"github.com/securityprofiles/operator/internal/profiling"
	"github.com/securityprofiles/operator/webhooks/binding"
	"github.com/securityprofiles/operator/webhooks/recording"
	"github.com/securityprofiles/operator/webhooks/server"
)

// options are the command-line flags.
type options struct {
	port        int
	certDir     string
	probeAddr   string
	metricsAddr string
	leaderElect bool
	verbosity   int
	// schedulingGates is spod's enableSchedulingGates, rendered by the
	// manager into the Deployment.
	schedulingGates bool
	// gateNamespaces limits the gate to the namespaces the manager
	// watches (comma-separated; all when empty).
	gateNamespaces string
}

func main() {
	var o options
	flag.IntVar(&o.port, "port", 9443, "Port the webhook server listens on.")
	flag.StringVar(&o.certDir, "cert-dir", "/tmp/k8s-webhook-server/serving-certs", "Directory holding tls.crt and tls.key.")
	flag.StringVar(&o.probeAddr, "health-probe-bind-address", ":8082", "Address the health and readiness probes bind to.")
	flag.StringVar(&o.metricsAddr, "metrics-bind-address", ":8443", "Address the metrics endpoint binds to; 0 disables it.")
	flag.BoolVar(&o.leaderElect, "leader-elect", true, "Elect a leader so only one replica writes binding and recording status; every replica serves admission.")
	flag.IntVar(&o.verbosity, "verbosity", 0, "Log verbosity: 0, or 1 for detail.")
	flag.BoolVar(&o.schedulingGates, "scheduling-gates", true, "Hold pods whose seccomp, SELinux or AppArmor profiles are not Installed yet at the scheduling gate "+keys.ProfilesInstalledGate+" until the manager releases them.")
	flag.StringVar(&o.gateNamespaces, "gate-namespaces", "", "Comma-separated namespaces whose pods the scheduling gate applies to: the ones a namespace-restricted manager watches. All when empty.")
	flag.Parse()

	log := logging.Setup("webhook", o.verbosity)
	ctx := ctrl.SetupSignalHandler()
	if err := profiling.StartFromEnv(ctx, log, os.Getenv); err != nil {
		log.Error(err, "Unable to start the profiling server")
		os.Exit(1)
	}
	mgr, err := newManager(o)
	if err != nil {
		log.Error(err, "Unable to create manager")
		os.Exit(1)
	}
	if err := setup(ctx, mgr, binding.Options{DisableSchedulingGates: !o.schedulingGates, GateNamespaces: splitList(o.gateNamespaces)}); err != nil {
		log.Error(err, "Unable to set up the webhooks")
		os.Exit(1)
	}
	log.Info("Starting webhook server", "port", o.port)
	if err := mgr.Start(ctx); err != nil {
		log.Error(err, "Webhook server stopped with an error")
		os.Exit(1)
	}
}

// newManager builds the webhook's manager (see managerOptions).
func newManager(o options) (ctrl.Manager, error) {
	return ctrl.NewManager(ctrl.GetConfigOrDie(), managerOptions(o))
}

// setup registers both webhooks and the health and readiness checks.
// Ready means the TLS server is up and the informer cache has synced.
func setup(ctx context.Context, mgr ctrl.Manager, bindingOpts binding.Options) error {
	if err := bindingOpts.Setup(ctx, mgr); err != nil {
		return err
	}
	if err := recording.Setup(ctx, mgr); err != nil {
		return err
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("webhook", mgr.GetWebhookServer().StartedChecker()); err != nil {
		return err
	}
	return mgr.AddReadyzCheck("cache", server.CacheSynced(mgr.GetCache()))
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
