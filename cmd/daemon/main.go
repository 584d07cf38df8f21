// Command daemon is the node agent (the spod DaemonSet): it installs
// profiles on its node and reports their state.
package main

import (
	"context"
	"flag"
	"os"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"

	"github.com/securityprofiles/operator/daemon/agent"
	"github.com/securityprofiles/operator/daemon/seccomp"
	"github.com/securityprofiles/operator/internal/logging"
	"github.com/securityprofiles/operator/internal/metricsserving"
	"github.com/securityprofiles/operator/internal/scheme"
)

func main() {
	var (
		probeAddr, metricsAddr, storageDir, procDir string
		verbosity                                   int
	)
	flag.StringVar(&probeAddr, "health-probe-bind-address", ":8085", "Address the health and readiness probes bind to.")
	flag.StringVar(&metricsAddr, "metrics-bind-address", "0", "Address the metrics endpoint (/metrics and /metrics-spod, HTTPS with token auth) binds to; 0 disables it.")
	flag.StringVar(&storageDir, "profile-storage-dir", seccomp.DefaultStorageDir, "Rootless profile storage linked into the kubelet root.")
	flag.StringVar(&procDir, "host-proc", "/proc", "The node's /proc (spod's hostProcVolumePath).")
	flag.IntVar(&verbosity, "verbosity", 0, "Log verbosity: 0, or 1 for detail.")
	flag.Parse()

	log := logging.Setup("spod", verbosity)
	if flag.NArg() > 0 {
		// The DaemonSet runs the log enricher and the bpf recorder as their
		// own containers of this image, selected by the first argument.
		// Refuse a mode this build lacks rather than start a second daemon.
		log.Error(nil, "Unsupported daemon mode; this build runs only the profile installer (no arguments)", "mode", flag.Arg(0))
		os.Exit(2)
	}
	nodeName := os.Getenv("NODE_NAME")
	if nodeName == "" {
		log.Error(nil, "NODE_NAME is not set; the daemon must know which node it runs on")
		os.Exit(1)
	}
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{
		Scheme:                 scheme.New(),
		Cache:                  agent.CacheOptions(nodeName),
		HealthProbeBindAddress: probeAddr,
		Metrics:                metricsserving.DaemonOptions(metricsAddr, ""),
	})
	if err != nil {
		log.Error(err, "Unable to create manager")
		os.Exit(1)
	}
	ctx := ctrl.SetupSignalHandler()
	if err := setup(ctx, mgr, nodeName, storageDir, procDir); err != nil {
		log.Error(err, "Unable to set up the node daemon")
		os.Exit(1)
	}
	log.Info("Starting daemon", "node", nodeName)
	if err := mgr.Start(ctx); err != nil {
		log.Error(err, "Daemon stopped with an error")
		os.Exit(1)
	}
}

func setup(ctx context.Context, mgr ctrl.Manager, nodeName, storageDir, procDir string) error {
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return err
	}
	namespace := os.Getenv("OPERATOR_NAMESPACE")
	if namespace == "" {
		namespace = agent.DefaultOperatorNamespace
	}
	return agent.Setup(ctx, mgr, mgr.GetAPIReader(), agent.Config{
		NodeName:          nodeName,
		KubeletDir:        os.Getenv("KUBELET_DIR"),
		StorageDir:        storageDir,
		ProcDir:           procDir,
		OperatorNamespace: namespace,
	})
}
