package spod

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/securityprofiles/operator/internal/selfsignedcerts"
)

// stored turns a plan's writes into the Secrets the next pass reads.
func stored(p certPlan, prev certSecrets) certSecrets {
	out := prev
	for _, w := range p.writes {
		w = w.DeepCopy()
		w.ResourceVersion = "1"
		switch w.Name {
		case CASecret:
			out.ca = w
		case WebhookCertSecret:
			out.webhook = w
		case MetricsCertSecret:
			out.metrics = w
		}
	}
	return out
}

func names(p certPlan) []string {
	var out []string
	for _, w := range p.writes {
		out = append(out, w.Name)
	}
	return out
}

// TestPlanSelfSignedOverAYear follows the certificates through a year of
// passes: nothing is written between renewals, leaves are renewed 30 days
// before expiry, the CA 60 days before, and the replaced CA is trusted
// until it expires.
func TestPlanSelfSignedOverAYear(t *testing.T) {
	day := 24 * time.Hour
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p, err := planSelfSigned(testConfig, certSecrets{}, start)
	if err != nil || len(p.writes) != 3 || p.status.Reason != ReasonSelfSigned || len(p.caBundle) == 0 {
		t.Fatalf("first pass: %v writes %v status %+v", err, names(p), p.status)
	}
	if want := start.Add(leafValidity - leafRenewBefore); !p.renewAt.Equal(want) {
		t.Errorf("renewAt %s, want %s", p.renewAt, want)
	}
	s := stored(p, certSecrets{})
	firstCA := s.ca.Data[corev1.TLSCertKey]
	for _, step := range []struct {
		at      time.Duration
		writes  int
		bundled int
	}{
		{1 * day, 0, 1},
		{59 * day, 0, 1},
		{61 * day, 2, 1},  // leaves renewed
		{120 * day, 0, 1}, // not yet: renewed at 61 days, due at 121
		{122 * day, 2, 1},
		{306 * day, 3, 2}, // CA within 60 days of expiry: new CA, old one kept
		{307 * day, 0, 2},
		{366 * day, 3, 1}, // old CA expired: bundles shrink, leaves get the new bundle
	} {
		now := start.Add(step.at)
		p, err := planSelfSigned(testConfig, s, now)
		if err != nil {
			t.Fatalf("day %v: %v", step.at/day, err)
		}
		if len(p.writes) != step.writes {
			t.Errorf("day %v: writes %v, want %d", step.at/day, names(p), step.writes)
		}
		s = stored(p, s)
		bundle, _ := selfsignedcerts.ParseCerts(s.ca.Data[caKey])
		if len(bundle) != step.bundled || string(p.caBundle) != string(s.ca.Data[caKey]) {
			t.Errorf("day %v: %d CAs in the bundle, want %d", step.at/day, len(bundle), step.bundled)
		}
		if !p.renewAt.After(now) {
			t.Errorf("day %v: next renewal %s is not in the future", step.at/day, p.renewAt)
		}
	}
	if string(s.ca.Data[corev1.TLSCertKey]) == string(firstCA) {
		t.Error("the CA was never replaced")
	}
}

func TestPlanSelfSignedLeavesTheInstallersSecrets(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	user := func(name string, ca []byte) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, ResourceVersion: "7"}, Data: map[string][]byte{caKey: ca}}
	}
	p, err := planSelfSigned(testConfig, certSecrets{webhook: user(WebhookCertSecret, []byte("their CA"))}, now)
	if err != nil || string(p.caBundle) != "their CA" || len(p.writes) != 2 || p.status.Reason != ReasonSelfSigned {
		t.Errorf("webhook Secret provided: %v writes %v bundle %q", err, names(p), p.caBundle)
	}
	p, err = planSelfSigned(testConfig, certSecrets{webhook: user(WebhookCertSecret, nil), metrics: user(MetricsCertSecret, nil)}, now)
	if err != nil || p.caBundle != nil || len(p.writes) != 0 || p.status.Reason != ReasonUserProvided || p.status.Managed {
		t.Errorf("both provided: %v writes %v status %+v", err, names(p), p.status)
	}
	if _, err := planSelfSigned(testConfig, certSecrets{ca: user(CASecret, nil)}, now); err == nil {
		t.Error("a CA Secret the operator did not generate was accepted")
	}
}
