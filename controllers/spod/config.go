package spod

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"

	"github.com/securityprofiles/operator/internal/kubeletdir"
)

// DefaultNamespace is the operator's namespace unless OPERATOR_NAMESPACE
// says otherwise.
const DefaultNamespace = "security-profiles-operator"

// Default images, used when the RELATED_IMAGE_* variables are unset. OLM
// and the install manifests set those variables so the manager deploys
// exactly the images the release was built with. Every one is pinned,
// never latest (test/install checks): with latest, two nodes can run
// different daemons and a rollback installs the new version again. Our
// images carry the release version (Chart appVersion, BUNDLE_VERSION).
//
// selinuxd is the one exception (UnpinnedThirdPartyImages): it is not
// ours, and its project publishes no version tags, only latest (upstream
// SPO deployed it untagged). A tag we could not verify would fail to pull
// on every SELinux node; pin it by digest through RELATED_IMAGE_SELINUXD
// (Helm: images.selinuxd) to the image you tested.
const (
	// UnpinnedThirdPartyImages lists the defaults that cannot be pinned
	// (see above).
	UnpinnedThirdPartyImages = DefaultSelinuxdImage

	DefaultDaemonImage   = "registry.k8s.io/security-profiles-operator/security-profiles-operator-daemon:v0.1.0"
	DefaultWebhookImage  = "registry.k8s.io/security-profiles-operator/security-profiles-operator-webhook:v0.1.0"
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
	// WebhookURL, when set (WEBHOOK_URL), is where the API server calls
	// the webhooks instead of their Service: a webhook server outside the
	// cluster, as in make run-local-processes. Its host is added to the
	// self-signed webhook certificate.
	WebhookURL string
	// RequireCertManager makes cert-manager the only source of serving
	// certificates (REQUIRE_CERT_MANAGER=true): without it spod reports
	// ERROR instead of the manager issuing its own.
	RequireCertManager bool
	// WatchNamespace, when set (RESTRICT_TO_NAMESPACE or a single OLM
	// target namespace), is the one namespace whose profiles the operator
	// handles; the webhook then holds pods at the scheduling gate only
	// there, since the manager releases no pod elsewhere.
	WatchNamespace string
}

// ConfigFromEnv reads the manager's environment: OPERATOR_NAMESPACE,
// RELATED_IMAGE_DAEMON, RELATED_IMAGE_WEBHOOK, RELATED_IMAGE_SELINUXD,
// KUBELET_DIR, ENABLE_LOG_ENRICHER, REQUIRE_CERT_MANAGER and WEBHOOK_URL,
// with the defaults above. A switch that is set but not a boolean is an
// error, not off: a typo in REQUIRE_CERT_MANAGER would otherwise have the
// manager issue its own certificates where the install forbids them.
func ConfigFromEnv() (Config, error) {
	enricher, enricherErr := envSwitch("ENABLE_LOG_ENRICHER")
	requireCertManager, certManagerErr := envSwitch("REQUIRE_CERT_MANAGER")
	return Config{
		RequireCertManager: requireCertManager,
		WebhookURL:         os.Getenv("WEBHOOK_URL"),
		Namespace:          envOr("OPERATOR_NAMESPACE", DefaultNamespace),
		DaemonImage:        envOr("RELATED_IMAGE_DAEMON", DefaultDaemonImage),
		WebhookImage:       envOr("RELATED_IMAGE_WEBHOOK", DefaultWebhookImage),
		SelinuxdImage:      envOr("RELATED_IMAGE_SELINUXD", DefaultSelinuxdImage),
		KubeletDir:         envOr("KUBELET_DIR", kubeletdir.Default),
		ForceLogEnricher:   enricher,
	}, errors.Join(enricherErr, certManagerErr)
}

// envSwitch reads a boolean variable; unset or empty is false.
func envSwitch(name string) (bool, error) {
	v := os.Getenv(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%s=%q: not a boolean (want true or false)", name, v)
	}
	return b, nil
}

// Validate refuses settings the manager cannot act on.
func (c Config) Validate() error {
	if c.WebhookURL == "" {
		return nil
	}
	u, err := url.Parse(c.WebhookURL)
	if err != nil {
		return fmt.Errorf("WEBHOOK_URL: %w", err)
	}
	switch {
	case u.Scheme != "https":
		return fmt.Errorf("WEBHOOK_URL %q: the API server calls webhooks over https only", c.WebhookURL)
	case u.Hostname() == "":
		return fmt.Errorf("WEBHOOK_URL %q has no host", c.WebhookURL)
	case net.ParseIP(u.Hostname()) != nil:
		return fmt.Errorf("WEBHOOK_URL %q: use a host name (e.g. localhost), which the webhook certificate can name", c.WebhookURL)
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.User != nil:
		return fmt.Errorf("WEBHOOK_URL %q: give scheme, host and port only; the webhook paths are added", c.WebhookURL)
	}
	return nil
}

// webhookURLHost is the host name of WebhookURL, or "".
func (c Config) webhookURLHost() string {
	if u, err := url.Parse(c.WebhookURL); err == nil {
		return u.Hostname()
	}
	return ""
}

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}
