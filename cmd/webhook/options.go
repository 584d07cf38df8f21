package main

import (
	"time"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/securityprofiles/operator/internal/metricsserving"
	"github.com/securityprofiles/operator/internal/scheme"
	"github.com/securityprofiles/operator/internal/servingtls"
	"github.com/securityprofiles/operator/webhooks/server"
)

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
		Cache:  server.CacheOptions(),
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
