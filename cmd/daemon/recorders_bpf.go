//go:build !no_bpf

package main

import (
	"context"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	profilerecordingv1alpha1 "github.com/securityprofiles/operator/apis/profilerecording/v1alpha1"
	"github.com/securityprofiles/operator/daemon/recording"
	"github.com/securityprofiles/operator/recorder"
)

// setupBPFRecorder loads the eBPF recorder (which proves itself by
// recording one syscall of its own) and captures every container on the
// node. A node that cannot load it still runs the reconciler, which tells
// each recording that lands here why it cannot work.
func setupBPFRecorder(ctx context.Context, log logr.Logger, mgr ctrl.Manager, o options) error {
	r, err := newReconciler(mgr, o, profilerecordingv1alpha1.RecorderBPF)
	if err != nil {
		return err
	}
	log.Info("Doing BPF load/unload self-test")
	rec, err := recorder.Load()
	if err != nil {
		log.Error(err, "The eBPF recorder cannot run on this node; recordings scheduled here report why")
		if err := reportUnavailable(mgr, o, r, err); err != nil {
			return err
		}
		return r.SetupWithManager(ctx, mgr)
	}
	log.Info("BPF recorder loaded and self-tested", "libbpf", recorder.LibbpfVersion())
	containers, err := rec.CaptureContainers(o.procDir, func(f recorder.Found) {
		log.V(1).Info("Saving mount namespace for container", "containerID", f.ContainerID, "pid", f.PID, "mntns", f.MountNamespace)
	})
	if err != nil {
		rec.Close()
		return err
	}
	go func() {
		<-ctx.Done()
		_ = containers.Close()
		_ = rec.Close()
	}()
	backend := &recording.BPFBackend{Containers: containers, Arch: r.Arch}
	r.Backend = backend
	registerCaptureStats(containers)
	go backend.Sweep(ctx, r.Wanted, sweepEvery, sweepGrace)
	return r.SetupWithManager(ctx, mgr)
}

// registerCaptureStats exports what the recorder lost, so an overflow is
// never silent.
func registerCaptureStats(c *recorder.Containers) {
	stat := func(pick func(recorder.CaptureStats) float64) func() float64 {
		return func() float64 {
			s, err := c.Stats()
			if err != nil {
				return 0
			}
			return pick(s)
		}
	}
	metrics.Registry.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "security_profiles_operator_bpf_recorder_containers_lost_total",
			Help: "Containers the eBPF recorder could not record because its table was full.",
		}, stat(func(s recorder.CaptureStats) float64 { return float64(s.NamespacesLost) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "security_profiles_operator_bpf_recorder_events_lost_total",
			Help: "Exec events the eBPF recorder dropped because user space fell behind (retried at the next execve).",
		}, stat(func(s recorder.CaptureStats) float64 { return float64(s.EventsLost) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "security_profiles_operator_bpf_recorder_containers",
			Help: "Mount namespaces the eBPF recorder currently holds.",
		}, stat(func(s recorder.CaptureStats) float64 { return float64(s.Tracked) })),
	)
}
