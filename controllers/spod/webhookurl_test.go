package spod

import (
	"bytes"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/internal/selfsignedcerts"
)

func TestConfigValidateWebhookURL(t *testing.T) {
	for url, ok := range map[string]bool{
		"":                           true,
		"https://localhost:19443":    true,
		"https://webhook.example":    true,
		"http://localhost:19443":     false,
		"https://127.0.0.1:19443":    false,
		"https://localhost:1/mutate": false,
		"https://localhost:1?x=y":    false,
		"https://u:p@localhost:1":    false,
		"https://:19443":             false,
		"::not a url":                false,
	} {
		err := Config{WebhookURL: url}.Validate()
		if (err == nil) != ok {
			t.Errorf("Validate(%q) = %v, want ok=%v", url, err, ok)
		}
	}
}

// With WEBHOOK_URL the API server calls the webhooks at that URL, and the
// self-signed webhook certificate names its host; the metrics one does
// not change.
func TestWebhookURLReachesConfigurationAndCertificate(t *testing.T) {
	cfg := testConfig
	cfg.WebhookURL = "https://localhost:19443"
	mwc := BuildWebhookConfiguration(&spodv1alpha1.SPODSpec{}, cfg, false, []byte("CA"))
	if len(mwc.Webhooks) != 2 {
		t.Fatalf("%d webhooks", len(mwc.Webhooks))
	}
	for _, h := range mwc.Webhooks {
		cc := h.ClientConfig
		if cc.Service != nil || cc.URL == nil || !bytes.HasPrefix([]byte(*cc.URL), []byte("https://localhost:19443/")) {
			t.Errorf("%s: client config %+v, want the URL", h.Name, cc)
		}
		if string(cc.CABundle) != "CA" {
			t.Errorf("%s: caBundle %q", h.Name, cc.CABundle)
		}
	}

	p, err := planSelfSigned(cfg, certSecrets{}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range p.writes {
		if w.Name == CASecret {
			continue
		}
		cert, _, err := selfsignedcerts.Parse(selfsignedcerts.KeyPair{Cert: w.Data[corev1.TLSCertKey], Key: w.Data[corev1.TLSPrivateKeyKey]})
		if err != nil {
			t.Fatal(err)
		}
		if got := slices.Contains(cert.DNSNames, "localhost"); got != (w.Name == WebhookCertSecret) {
			t.Errorf("%s names %v", w.Name, cert.DNSNames)
		}
	}
	// Stored, the certificates are current: the next pass writes nothing.
	if next, err := planSelfSigned(cfg, stored(p, certSecrets{}), time.Now()); err != nil || len(next.writes) != 0 {
		t.Errorf("second pass: %v, writes %v", err, names(next))
	}
}
