package recording

import (
	"context"
	"fmt"

	ctrl "sigs.k8s.io/controller-runtime"

	profilerecordingv1alpha1 "github.com/securityprofiles/operator/apis/profilerecording/v1alpha1"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/internal/webhookconfig"
	"github.com/securityprofiles/operator/webhooks/server"
)

// Options configure the recording webhook.
type Options struct {
	// Namespaces, when set, are the only namespaces whose pods are
	// marked for recording: those a namespace-restricted webhook caches
	// (see Handler).
	Namespaces []string
}

// Setup is Options{}.Setup: pods of every namespace are handled.
func Setup(ctx context.Context, mgr ctrl.Manager) error { return Options{}.Setup(ctx, mgr) }

// Setup serves recording.spo.io on the manager's webhook server at
// webhookconfig.RecordingPath and adds the status controller. The
// recordings informer starts with the manager, so the cache is warm
// before the first pod arrives.
func (o Options) Setup(ctx context.Context, mgr ctrl.Manager) error {
	if _, err := mgr.GetCache().GetInformer(ctx, &profilerecordingv1alpha1.ProfileRecording{}); err != nil {
		return fmt.Errorf("informer for ProfileRecordings: %w", err)
	}
	h := &Handler{Reader: mgr.GetCache(), Events: mgr.GetEventRecorder("recording-webhook"), Namespaces: o.Namespaces}
	mgr.GetWebhookServer().Register(webhookconfig.RecordingPath, server.Handler(spodv1alpha1.RecordingWebhookName, h))
	if err := NewStatusReconciler(mgr.GetClient()).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("recording status controller: %w", err)
	}
	return nil
}
