package spod

import (
	"os"
	"strconv"

	"github.com/securityprofiles/operator/internal/kubeletdir"
)

// DefaultNamespace is the operator's namespace unless OPERATOR_NAMESPACE
// says otherwise.
const DefaultNamespace = "security-profiles-operator"

// Default images, used when the RELATED_IMAGE_* variables are unset. OLM
// and the install manifests set those variables so the manager deploys
// exactly the images the release was built with.
const (
	DefaultDaemonImage   = "registry.k8s.io/security-profiles-operator/security-profiles-operator-daemon:latest"
	DefaultWebhookImage  = "registry.k8s.io/security-profiles-operator/security-profiles-operator-webhook:latest"
	DefaultSelinuxdImage = "quay.io/security-profiles-operator/selinuxd:latest"
)

// Config is what the manager knows about its installation, independent of
// the spod object: where it runs and which images it deploys.
type Config struct {
	// Namespace is the operator's namespace; spod lives there and every
	// namespaced object is deployed there.
	Namespace string
	// DaemonImage runs the daemon, log enricher and bpf recorder.
	DaemonImage string
	// WebhookImage runs the webhook server.
	WebhookImage string
	// SelinuxdImage runs selinuxd when spod enables SELinux.
	SelinuxdImage string
	// KubeletDir is the kubelet root the manager was told about; it is
	// mounted into and propagated to the daemon.
	KubeletDir string
	// ForceLogEnricher runs the log enricher even when spod does not
	// enable it (ENABLE_LOG_ENRICHER=true on the manager).
	ForceLogEnricher bool
	// RequireCertManager makes cert-manager the only source of serving
	// certificates (REQUIRE_CERT_MANAGER=true): without it spod reports
	// ERROR instead of the manager issuing its own.
	RequireCertManager bool
}

// ConfigFromEnv reads the manager's environment: OPERATOR_NAMESPACE,
// RELATED_IMAGE_DAEMON, RELATED_IMAGE_WEBHOOK, RELATED_IMAGE_SELINUXD,
// KUBELET_DIR, ENABLE_LOG_ENRICHER and REQUIRE_CERT_MANAGER, with the
// defaults above.
func ConfigFromEnv() Config {
	enricher, _ := strconv.ParseBool(os.Getenv("ENABLE_LOG_ENRICHER"))
	requireCertManager, _ := strconv.ParseBool(os.Getenv("REQUIRE_CERT_MANAGER"))
	return Config{
		RequireCertManager: requireCertManager,
		Namespace:          envOr("OPERATOR_NAMESPACE", DefaultNamespace),
		DaemonImage:        envOr("RELATED_IMAGE_DAEMON", DefaultDaemonImage),
		WebhookImage:       envOr("RELATED_IMAGE_WEBHOOK", DefaultWebhookImage),
		SelinuxdImage:      envOr("RELATED_IMAGE_SELINUXD", DefaultSelinuxdImage),
		KubeletDir:         envOr("KUBELET_DIR", kubeletdir.Default),
		ForceLogEnricher:   enricher,
	}
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
