//go:build no_bpf

package main

import (
	"context"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"

	profilerecordingv1alpha1 "github.com/securityprofiles/operator/apis/profilerecording/v1alpha1"
	"github.com/securityprofiles/operator/recorder"
)

// setupBPFRecorder in a build without eBPF runs only the reconciler, which
// tells each recording that lands on this node that it cannot work here.
func setupBPFRecorder(ctx context.Context, log logr.Logger, mgr ctrl.Manager, o options) error {
	r, err := newReconciler(mgr, o, profilerecordingv1alpha1.RecorderBPF)
	if err != nil {
		return err
	}
	log.Error(recorder.ErrNotBuilt, "The eBPF recorder cannot run on this node; recordings scheduled here report why")
	if err := reportUnavailable(mgr, o, r, recorder.ErrNotBuilt); err != nil {
		return err
	}
	return r.SetupWithManager(ctx, mgr)
}
