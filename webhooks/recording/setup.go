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

// Setup serves recording.spo.io on the manager's webhook server at
// webhookconfig.RecordingPath and adds the status controller. The
// recordings informer starts with the manager, so the cache is warm
// before the first pod arrives.
func Setup(ctx context.Context, mgr ctrl.Manager) error {
	if _, err := mgr.GetCache().GetInformer(ctx, &profilerecordingv1alpha1.ProfileRecording{}); err != nil {
		return fmt.Errorf("informer for ProfileRecordings: %w", err)
	}
	h := &Handler{Reader: mgr.GetCache(), Events: mgr.GetEventRecorder("recording-webhook")}
	mgr.GetWebhookServer().Register(webhookconfig.RecordingPath, server.Handler(spodv1alpha1.RecordingWebhookName, h))
	if err := NewStatusReconciler(mgr.GetClient()).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("recording status controller: %w", err)
	}
	return nil
}
