package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	profilerecordingv1alpha1 "github.com/securityprofiles/operator/apis/profilerecording/v1alpha1"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/daemon/recording"
	"github.com/securityprofiles/operator/internal/metricsserving"
	"github.com/securityprofiles/operator/internal/scheme"
	"github.com/securityprofiles/operator/internal/seccompfilter"
)

// recordedBaseProfile is the baseProfileName of every recorded profile.
// The eBPF recorder records a container from its workload's execve on, so
// what runc makes in the container before that comes from the base. The
// log recorder sees runc's syscalls after the log-all filter went on, but
// only those of that one start: some (futex) happen only under contention,
// and a profile without them kills runc at random.
const recordedBaseProfile = "runc-v1.1.4"

// How long the eBPF recorder keeps a container no recording claims: long
// enough for the kubelet to report the container's ID in the pod status.
const (
	sweepEvery = 30 * time.Second
	sweepGrace = 2 * time.Minute
)

// runRecorderMode runs one of the recorder containers (bpf-recorder,
// log-enricher): the recorder itself and the reconciler that turns its
// recorded containers into profiles. They serve their metrics to the
// daemon container over a UNIX socket and bind no port.
func runRecorderMode(ctx context.Context, log logr.Logger, o options) error {
	cfg := agentConfig(o)
	mgr, err := ctrl.NewManager(ctrl.GetConfigOrDie(), ctrl.Options{
		Scheme:                 scheme.New(),
		Cache:                  cfg.CacheOptions(),
		HealthProbeBindAddress: o.probeAddr,
		Metrics:                metricsserver.Options{BindAddress: "0"},
	})
	if err != nil {
		return fmt.Errorf("create manager: %w", err)
	}
	switch o.mode {
	case modeBpfRecorder:
		err = setupBPFRecorder(ctx, log, mgr, o)
	case modeLogEnricher:
		err = setupLogEnricher(ctx, log, mgr, o)
	default:
		err = fmt.Errorf("unknown daemon mode %q (want %s or %s)", o.mode, modeBpfRecorder, modeLogEnricher)
	}
	if err != nil {
		return err
	}
	socket := filepath.Join(o.sidecarMetricsDir, o.mode+".sock")
	go func() {
		if err := metricsserving.ServeSidecar(ctx, socket, metrics.Registry); err != nil {
			log.Error(err, "Unable to serve metrics to the daemon container", "socket", socket)
		}
	}()
	log.Info("Starting recorder", "mode", o.mode, "node", o.nodeName)
	return mgr.Start(ctx)
}

// newReconciler is the recording reconciler of one recorder on this node.
func newReconciler(mgr ctrl.Manager, o options, rec profilerecordingv1alpha1.Recorder) (*recording.Reconciler, error) {
	arch, err := seccompfilter.NativeArch()
	if err != nil {
		return nil, err
	}
	return &recording.Reconciler{
		Client:      mgr.GetClient(),
		Events:      mgr.GetEventRecorder(string(rec) + "-recorder-" + o.nodeName),
		NodeName:    o.nodeName,
		Recorder:    string(rec),
		Directory:   recording.NewDirectory(),
		Arch:        arch,
		BaseProfile: recordedBaseProfile,
	}, nil
}

// ReasonRecorderUnavailable is the Warning Event on spod when a recorder
// container cannot record on its node.
const ReasonRecorderUnavailable = "RecorderUnavailable"

// reportUnavailable tells spod, once the manager runs, that this node's
// recorder cannot work and why: `kubectl describe spod spod` lists it
// next to the rollout, and recordings that land here get the same reason.
func reportUnavailable(mgr ctrl.Manager, o options, r *recording.Reconciler, err error) error {
	r.Unavailable = err
	return mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		spod := &spodv1alpha1.SecurityProfilesOperatorDaemon{}
		key := types.NamespacedName{Namespace: agentConfig(o).OperatorNamespace, Name: spodv1alpha1.Name}
		if getErr := mgr.GetAPIReader().Get(ctx, key, spod); getErr != nil {
			ctrl.LoggerFrom(ctx).Info("Cannot report the recorder's failure on spod", "reason", getErr.Error())
			return nil
		}
		r.Events.Eventf(spod, nil, corev1.EventTypeWarning, ReasonRecorderUnavailable, "Start",
			"The %s recorder cannot run on node %s: %v", r.Recorder, o.nodeName, err)
		return nil
	}))
}
