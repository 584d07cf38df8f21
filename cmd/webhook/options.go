package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/securityprofiles/operator/apis/keys"
	"github.com/securityprofiles/operator/internal/metricsserving"
	"github.com/securityprofiles/operator/internal/scheme"
	"github.com/securityprofiles/operator/internal/servingtls"
	"github.com/securityprofiles/operator/internal/webhookconfig"
	"github.com/securityprofiles/operator/webhooks/binding"
	"github.com/securityprofiles/operator/webhooks/recording"
	"github.com/securityprofiles/operator/webhooks/server"
)

// envOperatorNamespace is set by the manager (controllers/spod) on the
// webhook container.
const envOperatorNamespace = "OPERATOR_NAMESPACE"

// options are the command-line flags and environment.
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
	// watchNamespace is the namespace-restricted manager's
	// RESTRICT_TO_NAMESPACE; empty for all.
	watchNamespace string
	// operatorNamespace is OPERATOR_NAMESPACE. Run by hand without it, a
	// restricted webhook handles the watched namespace only: guessing the
	// operator's namespace could admit pods the manager never sees.
	operatorNamespace string
}

// parseOptions reads the command line and the environment.
func parseOptions(args []string, getenv func(string) string, output io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("webhook", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.IntVar(&o.port, "port", 9443, "Port the webhook server listens on.")
	fs.StringVar(&o.certDir, "cert-dir", "/tmp/k8s-webhook-server/serving-certs", "Directory holding tls.crt and tls.key.")
	fs.StringVar(&o.probeAddr, "health-probe-bind-address", ":8082", "Address the health and readiness probes bind to.")
	fs.StringVar(&o.metricsAddr, "metrics-bind-address", ":8443", "Address the metrics endpoint binds to; 0 disables it.")
	fs.BoolVar(&o.leaderElect, "leader-elect", true, "Elect a leader so only one replica writes binding and recording status; every replica serves admission.")
	fs.IntVar(&o.verbosity, "verbosity", 0, "Log verbosity: 0, or 1 for detail.")
	fs.BoolVar(&o.schedulingGates, "scheduling-gates", true, "Hold pods whose seccomp, SELinux or AppArmor profiles are not Installed yet at the scheduling gate "+keys.ProfilesInstalledGate+" until the manager releases them.")
	fs.StringVar(&o.gateNamespaces, "gate-namespaces", "", "Comma-separated namespaces whose pods the scheduling gate applies to: the ones a namespace-restricted manager watches. All when empty.")
	fs.StringVar(&o.watchNamespace, "watch-namespace", "", "The one namespace a namespace-restricted manager watches: the webhook then caches and mutates pods only there and in "+envOperatorNamespace+". All when empty.")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	// A malformed name would restrict the webhook to a namespace that
	// cannot exist: it would mutate nothing, without a word.
	if o.watchNamespace != "" {
		if msgs := validation.IsDNS1123Label(o.watchNamespace); len(msgs) > 0 {
			return o, fmt.Errorf("--watch-namespace=%q: not a namespace name: %s", o.watchNamespace, strings.Join(msgs, "; "))
		}
	}
	o.operatorNamespace = getenv(envOperatorNamespace)
	return o, nil
}

// scope is the namespace restriction the manager also puts in the
// webhook configuration, so the two cannot disagree.
func (o options) scope() webhookconfig.Scope {
	return webhookconfig.Scope{WatchNamespace: o.watchNamespace, OperatorNamespace: o.operatorNamespace}
}

// handlerOptions configure the two webhooks. Restricted, both admit pods
// of other namespaces unchanged, which the restricted cache could not
// answer for anyway.
func (o options) handlerOptions() (binding.Options, recording.Options) {
	namespaces := o.scope().Namespaces()
	return binding.Options{
		DisableSchedulingGates: !o.schedulingGates,
		GateNamespaces:         splitList(o.gateNamespaces),
		Namespaces:             namespaces,
	}, recording.Options{Namespaces: namespaces}
}

// cacheOptions are server.CacheOptions, restricted to the scope's
// namespaces when it has any. Cluster-scoped kinds are not affected.
func (o options) cacheOptions() cache.Options {
	opts := server.CacheOptions()
	for _, ns := range o.scope().Namespaces() {
		if opts.DefaultNamespaces == nil {
			opts.DefaultNamespaces = map[string]cache.Config{}
		}
		opts.DefaultNamespaces[ns] = cache.Config{}
	}
	return opts
}

// leaderElectionID names the lease of the replica that writes binding
// and recording status.
const leaderElectionID = "security-profiles-operator-webhook-lock"

// managerOptions are the options of a manager whose webhook server speaks
// TLS 1.2 or newer and HTTP/1.1 only (servingtls). On SIGTERM the manager stops accepting connections and
// gives in-flight admission requests (each bounded by server.Budget) time
// to finish before exiting; then it releases its leader lease, so another
// replica writes status without waiting the lease out (main exits as soon
// as the manager has stopped, which makes the early release safe).
func managerOptions(o options) ctrl.Options {
	shutdown := 15 * time.Second
	return ctrl.Options{
		Scheme: scheme.New(),
		Cache:  o.cacheOptions(),
		WebhookServer: webhook.NewServer(webhook.Options{
			Port:    o.port,
			CertDir: o.certDir,
			TLSOpts: servingtls.Opts(),
		}),
		// Serving like the manager's: TLS with token authentication and
		// authorization (ClusterRole spo-metrics-client).
		Metrics:                       metricsserving.Options(o.metricsAddr, ""),
		HealthProbeBindAddress:        o.probeAddr,
		LeaderElection:                o.leaderElect,
		LeaderElectionID:              leaderElectionID,
		LeaderElectionReleaseOnCancel: true,
		GracefulShutdownTimeout:       &shutdown,
	}
}
