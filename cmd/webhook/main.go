// Command webhook serves the binding.spo.io and recording.spo.io mutating
// admission webhooks over TLS.
package main

import (
	"crypto/tls"
	"flag"
	"os"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	"github.com/securityprofiles/operator/internal/logging"
	"github.com/securityprofiles/operator/internal/scheme"
)

func main() {
	var (
		port      int
		certDir   string
		probeAddr string
		verbosity int
	)
	flag.IntVar(&port, "port", 9443, "Port the webhook server listens on.")
	flag.StringVar(&certDir, "cert-dir", "/tmp/k8s-webhook-server/serving-certs", "Directory holding tls.crt and tls.key.")
	flag.StringVar(&probeAddr, "health-probe-bind-address", ":8082", "Address the health and readiness probes bind to.")
	flag.IntVar(&verbosity, "verbosity", 0, "Log verbosity: 0, or 1 for detail.")
	flag.Parse()

	log := logging.Setup("webhook", verbosity)
	server := webhook.NewServer(webhook.Options{
		Port:    port,
		CertDir: certDir,
		TLSOpts: []func(*tls.Config){func(c *tls.Config) { c.MinVersion = tls.VersionTLS12 }},
	})
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{
		Scheme:                 scheme.New(),
		WebhookServer:          server,
		HealthProbeBindAddress: probeAddr,
		Metrics:                metricsserver.Options{BindAddress: "0"},
	})
	if err != nil {
		log.Error(err, "Unable to create manager")
		os.Exit(1)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		log.Error(err, "Unable to add health check")
		os.Exit(1)
	}
	// GetWebhookServer adds the server to the manager; handlers register on
	// it, and it must serve (TLS, health) even before any are registered.
	if err := mgr.AddReadyzCheck("readyz", mgr.GetWebhookServer().StartedChecker()); err != nil {
		log.Error(err, "Unable to add ready check")
		os.Exit(1)
	}
	log.Info("Starting webhook server", "port", port)
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		log.Error(err, "Webhook server stopped with an error")
		os.Exit(1)
	}
}
