package main

import (
	"context"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	profilerecordingv1alpha1 "github.com/securityprofiles/operator/apis/profilerecording/v1alpha1"
	"github.com/securityprofiles/operator/daemon/auditmode"
	"github.com/securityprofiles/operator/daemon/enricher"
	"github.com/securityprofiles/operator/daemon/recording"
)

// setupLogEnricher reads the node's audit records, logs and counts each
// one of a container, and records the containers that a logs recording
// marked. A node without any audit source still runs the reconciler,
// which tells each recording that lands here why it cannot work.
func setupLogEnricher(ctx context.Context, log logr.Logger, mgr ctrl.Manager, o options) error {
	r, err := newReconciler(mgr, o, profilerecordingv1alpha1.RecorderLogs)
	if err != nil {
		return err
	}
	backend := &recording.LogBackend{}
	r.Backend = backend
	// Calls of containers running a profile's audit copy go to the
	// profile's status.auditedSyscalls.
	audits := &auditmode.Collector{Reader: mgr.GetAPIReader(), Client: mgr.GetClient(),
		Events: mgr.GetEventRecorder("log-enricher"), NodeName: o.nodeName, Resolve: recording.AuditResolver(r.Directory)}
	sink := recording.Sink{Backend: backend, Directory: r.Directory, Audits: audits}
	e, err := enricher.New(o.nodeName, o.procDir, recording.Resolver{Directory: r.Directory}, sink, log)
	if err != nil {
		return err
	}
	src, err := enricher.OpenSource(ctx, log, enricher.Options{})
	if err != nil {
		log.Error(err, "The log enricher has no audit source on this node; recordings scheduled here report why")
		if err := reportUnavailable(mgr, o, r, err); err != nil {
			return err
		}
		return r.SetupWithManager(ctx, mgr)
	}
	if err := mgr.Add(manager.RunnableFunc(audits.Run)); err != nil {
		return err
	}
	// A failing source stops the manager, so the container restarts.
	if err := mgr.Add(manager.RunnableFunc(func(ctx context.Context) error {
		defer src.Close()
		return e.Run(ctx, src)
	})); err != nil {
		return err
	}
	go backend.SweepEvery(ctx, r.Wanted, sweepEvery, sweepGrace)
	return r.SetupWithManager(ctx, mgr)
}
