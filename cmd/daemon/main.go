// Command daemon is the node agent (the spod DaemonSet): it installs
// profiles on its node and reports their state.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"

	"github.com/securityprofiles/operator/daemon/agent"
	"github.com/securityprofiles/operator/daemon/seccomp"
	"github.com/securityprofiles/operator/internal/logging"
	"github.com/securityprofiles/operator/internal/metricsserving"
	"github.com/securityprofiles/operator/internal/profiling"
	"github.com/securityprofiles/operator/internal/scheme"
	"github.com/securityprofiles/operator/internal/seccompfilter"
)

func main() {
	o, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "daemon: %v\n", err)
		os.Exit(2)
	}
	if o.mode == modeSelinuxProbe {
		os.Exit(runSelinuxProbe(o.procDir, terminationLog, os.Stdout, os.Stderr))
	}
	log := logging.Setup(o.component(), o.verbosity,
		"libseccomp", seccompfilter.LibraryVersion(),
		"seccompSupported", seccomp.CheckSupport(o.procDir) == nil)
	if err := o.readEnv(os.Getenv); err != nil {
		log.Error(err, "Invalid daemon environment")
		os.Exit(1)
	}
	logFeatures(log, o)
	if o.nodeName == "" {
		log.Error(nil, "NODE_NAME is not set; the daemon must know which node it runs on")
		os.Exit(1)
	}
	ctx := ctrl.SetupSignalHandler()
	if o.profiling.Enabled {
		if _, err := profiling.Start(ctx, log, o.profiling.Addr()); err != nil {
			log.Error(err, "Unable to start the profiling server")
			os.Exit(1)
		}
	}
	if o.mode != "" {
		// The DaemonSet runs the log enricher and the bpf recorder as their
		// own containers of this image, selected by the first argument.
		if err := runRecorderMode(ctx, log, o); err != nil {
			log.Error(err, "Recorder stopped with an error", "mode", o.mode)
			os.Exit(1)
		}
		return
	}
	cfg := agentConfig(o)
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{
		Scheme:                 scheme.New(),
		Cache:                  cfg.CacheOptions(),
		HealthProbeBindAddress: o.probeAddr,
		Metrics:                metricsserving.DaemonOptions(o.metricsAddr, ""),
	})
	if err != nil {
		log.Error(err, "Unable to create manager")
		os.Exit(1)
	}
	if err := setup(ctx, mgr, cfg); err != nil {
		log.Error(err, "Unable to set up the node daemon")
		os.Exit(1)
	}
	if o.recording {
		// Standalone (--with-recording or ENABLE_RECORDING): the recorders
		// run here instead of in containers of their own. In the spod
		// DaemonSet they have their own containers and this stays off.
		if err := setupBPFRecorder(ctx, log.WithName(modeBpfRecorder), mgr, o); err != nil {
			log.Error(err, "Unable to set up the bpf recorder")
			os.Exit(1)
		}
		if err := setupLogEnricher(ctx, log.WithName(modeLogEnricher), mgr, o); err != nil {
			log.Error(err, "Unable to set up the log enricher")
			os.Exit(1)
		}
	}
	log.Info("Starting daemon", "node", o.nodeName)
	if err := mgr.Start(ctx); err != nil {
		log.Error(err, "Daemon stopped with an error")
		os.Exit(1)
	}
}

// recordingInProcess is logged when the standalone daemon records itself.
const recordingInProcess = "Profile recording is enabled: this daemon runs the bpf recorder and the log enricher in its own process"

// logFeatures says which of spod's switches reached this daemon and
// which of them this build cannot act on. None is fatal: the daemon still
// installs seccomp profiles.
func logFeatures(log logr.Logger, o options) {
	log.Info("Daemon configuration", "recording", o.recording, "memoryOptimization", o.memoryOptimization,
		"appArmor", o.apparmor, "selinux", o.selinux, "profiling", o.profiling.Enabled,
		"restrictToNamespace", o.watchNamespace)
	if o.recording {
		log.Info(recordingInProcess)
	}
}

func agentConfig(o options) agent.Config {
	namespace := o.namespace
	if namespace == "" {
		namespace = agent.DefaultOperatorNamespace
	}
	return agent.Config{
		NodeName:           o.nodeName,
		KubeletDir:         o.kubeletDir,
		StorageDir:         o.storageDir,
		ProcDir:            o.procDir,
		OperatorNamespace:  namespace,
		WatchNamespace:     o.watchNamespace,
		MemoryOptimization: o.memoryOptimization,
		AppArmor:           o.apparmor,
		Selinux:            o.selinux,
	}
}

func setup(ctx context.Context, mgr ctrl.Manager, cfg agent.Config) error {
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return err
	}
	return agent.Setup(ctx, mgr, mgr.GetAPIReader(), cfg)
}
