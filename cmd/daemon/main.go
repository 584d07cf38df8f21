// Command daemon is the node agent (the spod DaemonSet): it installs
// profiles on its node and reports their state.
package main

import (
	"flag"
	"os"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/securityprofiles/operator/internal/logging"
	"github.com/securityprofiles/operator/internal/scheme"
)

func main() {
	var (
		probeAddr string
		verbosity int
	)
	flag.StringVar(&probeAddr, "health-probe-bind-address", ":8085", "Address the health and readiness probes bind to.")
	flag.IntVar(&verbosity, "verbosity", 0, "Log verbosity: 0, or 1 for detail.")
	flag.Parse()

	log := logging.Setup("spod", verbosity)
	nodeName := os.Getenv("NODE_NAME")
	if nodeName == "" {
		log.Error(nil, "NODE_NAME is not set; the daemon must know which node it runs on")
		os.Exit(1)
	}
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{
		Scheme:                 scheme.New(),
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
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		log.Error(err, "Unable to add ready check")
		os.Exit(1)
	}
	log.Info("Starting daemon", "node", nodeName, "kubeletDir", os.Getenv("KUBELET_DIR"))
	if err := mgr.Start(ctrl.SetupSignalHandler()); err != nil {
		log.Error(err, "Daemon stopped with an error")
		os.Exit(1)
	}
}
