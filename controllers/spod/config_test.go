package spod

import (
	"strings"
	"testing"

	"github.com/securityprofiles/operator/internal/kubeletdir"
)

func TestConfigFromEnv(t *testing.T) {
	if got, err := ConfigFromEnv(); err != nil || got.Namespace != DefaultNamespace || got.DaemonImage != DefaultDaemonImage ||
		got.KubeletDir != kubeletdir.Default || got.ForceLogEnricher || got.RequireCertManager || got.WebhookURL != "" {
		t.Errorf("defaults: %+v, %v", got, err)
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
	if got, err := ConfigFromEnv(); err != nil || got != want {
		t.Errorf("from the environment: %+v, %v; want %+v", got, err, want)
	}
}

// TestConfigFromEnvRefusesMalformedSwitches: a typo such as "ture" must
// stop the manager, not quietly self-sign certificates (or skip the log
// enricher) as if the switch were off.
func TestConfigFromEnvRefusesMalformedSwitches(t *testing.T) {
	for _, name := range []string{"REQUIRE_CERT_MANAGER", "ENABLE_LOG_ENRICHER"} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, "ture")
			_, err := ConfigFromEnv()
			if err == nil || !strings.Contains(err.Error(), name+`="ture"`) {
				t.Errorf("%s=ture: error %v, want one naming the variable and its value", name, err)
			}
		})
	}
	t.Setenv("REQUIRE_CERT_MANAGER", "false")
	if got, err := ConfigFromEnv(); err != nil || got.RequireCertManager {
		t.Errorf("REQUIRE_CERT_MANAGER=false: %+v, %v", got, err)
	}
}
