package spod

import (
	"testing"

	"github.com/securityprofiles/operator/internal/kubeletdir"
)

func TestConfigFromEnv(t *testing.T) {
	if got := ConfigFromEnv(); got.Namespace != DefaultNamespace || got.DaemonImage != DefaultDaemonImage ||
		got.KubeletDir != kubeletdir.Default || got.ForceLogEnricher || got.RequireCertManager || got.WebhookURL != "" {
		t.Errorf("defaults: %+v", got)
	}
	for k, v := range map[string]string{
		"OPERATOR_NAMESPACE": "ops", "RELATED_IMAGE_DAEMON": "d:1", "RELATED_IMAGE_WEBHOOK": "w:1",
		"RELATED_IMAGE_SELINUXD": "s:1", "KUBELET_DIR": "/k", "ENABLE_LOG_ENRICHER": "true",
		"REQUIRE_CERT_MANAGER": "true", "WEBHOOK_URL": "https://localhost:1",
	} {
		t.Setenv(k, v)
	}
	want := Config{Namespace: "ops", DaemonImage: "d:1", WebhookImage: "w:1", SelinuxdImage: "s:1", KubeletDir: "/k",
		ForceLogEnricher: true, RequireCertManager: true, WebhookURL: "https://localhost:1"}
	if got := ConfigFromEnv(); got != want {
		t.Errorf("from the environment: %+v, want %+v", got, want)
	}
}
