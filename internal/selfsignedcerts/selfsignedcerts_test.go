package selfsignedcerts_test

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"testing"
	"time"

	"github.com/securityprofiles/operator/internal/selfsignedcerts"
)

var (
	now   = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	names = []string{"webhook-service.spo.svc", "webhook-service.spo.svc.cluster.local"}
	day   = 24 * time.Hour
)

func newCA(t *testing.T, validity time.Duration) selfsignedcerts.KeyPair {
	t.Helper()
	ca, err := selfsignedcerts.NewCA("spo-ca", now, validity)
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func TestIssuedLeafChecksOut(t *testing.T) {
	ca := newCA(t, 365*day)
	caCert, err := selfsignedcerts.CheckCA(ca, now, 60*day)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := selfsignedcerts.Issue(ca, names, now, 90*day)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := selfsignedcerts.CheckLeaf(leaf, caCert, names, now, 30*day)
	if err != nil {
		t.Fatal(err)
	}
	if cert.NotAfter != now.Add(90*day) || cert.IsCA {
		t.Errorf("leaf NotAfter %s IsCA %v", cert.NotAfter, cert.IsCA)
	}
}

func TestLeafNeedsRenewal(t *testing.T) {
	ca := newCA(t, 365*day)
	caCert, _ := selfsignedcerts.CheckCA(ca, now, 0)
	other := newCA(t, 365*day)
	otherCert, _ := selfsignedcerts.CheckCA(other, now, 0)
	leaf, err := selfsignedcerts.Issue(ca, names, now, 90*day)
	if err != nil {
		t.Fatal(err)
	}
	otherLeaf, _ := selfsignedcerts.Issue(other, names, now, 90*day)
	for name, tc := range map[string]struct {
		kp    selfsignedcerts.KeyPair
		ca    *x509.Certificate
		names []string
		at    time.Time
	}{
		"within 30 days of expiry": {leaf, caCert, names, now.Add(61 * day)},
		"expired":                  {leaf, caCert, names, now.Add(91 * day)},
		"not yet valid":            {leaf, caCert, names, now.Add(-2 * time.Hour)},
		"other DNS names":          {leaf, caCert, names[:1], now},
		"issued by another CA":     {leaf, otherCert, names, now},
		"key of another cert":      {selfsignedcerts.KeyPair{Cert: leaf.Cert, Key: otherLeaf.Key}, caCert, names, now},
		"garbage":                  {selfsignedcerts.KeyPair{Cert: []byte("x"), Key: []byte("y")}, caCert, names, now},
	} {
		if _, err := selfsignedcerts.CheckLeaf(tc.kp, tc.ca, tc.names, tc.at, 30*day); err == nil {
			t.Errorf("%s: leaf accepted", name)
		}
	}
	if _, err := selfsignedcerts.CheckLeaf(leaf, caCert, names, now.Add(59*day), 30*day); err != nil {
		t.Errorf("leaf with 31 days left rejected: %v", err)
	}
}

func TestCANeedsRenewal(t *testing.T) {
	ca := newCA(t, 365*day)
	if _, err := selfsignedcerts.CheckCA(ca, now.Add(306*day), 60*day); err == nil {
		t.Error("CA within 60 days of expiry accepted")
	}
	leaf, _ := selfsignedcerts.Issue(ca, names, now, 90*day)
	if _, err := selfsignedcerts.CheckCA(leaf, now, 60*day); err == nil {
		t.Error("leaf accepted as CA")
	}
	// A leaf never outlives its CA.
	l, _ := selfsignedcerts.Issue(ca, names, now.Add(300*day), 90*day)
	cert, _, _ := selfsignedcerts.Parse(l)
	if !cert.NotAfter.Equal(now.Add(365 * day)) {
		t.Errorf("leaf NotAfter %s beyond the CA's", cert.NotAfter)
	}
}

func TestBundleDropsExpiredAndDuplicates(t *testing.T) {
	a, _ := selfsignedcerts.CheckCA(newCA(t, 365*day), now, 0)
	b, _ := selfsignedcerts.CheckCA(newCA(t, 10*day), now, 0)
	certs, err := selfsignedcerts.ParseCerts(selfsignedcerts.Bundle(now, a, b, a))
	if err != nil || len(certs) != 2 || !certs[0].Equal(a) {
		t.Fatalf("bundle %v %v", certs, err)
	}
	certs, _ = selfsignedcerts.ParseCerts(selfsignedcerts.Bundle(now.Add(11*day), a, b))
	if len(certs) != 1 {
		t.Errorf("expired CA kept: %d certificates", len(certs))
	}
}

// TestTLSHandshake serves with an issued certificate and connects as a
// client that trusts only the CA, as the API server does with caBundle.
func TestTLSHandshake(t *testing.T) {
	ca := newCA(t, 365*day)
	leaf, err := selfsignedcerts.Issue(ca, names, time.Now(), 90*day)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(leaf.Cert, leaf.Key)
	if err != nil {
		t.Fatal(err)
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err == nil {
			_, _ = c.Write([]byte("ok"))
			c.Close()
		}
	}()
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(ca.Cert)
	conn, err := tls.Dial("tcp", l.Addr().String(), &tls.Config{RootCAs: roots, ServerName: names[0], MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if b, _ := io.ReadAll(conn); string(b) != "ok" {
		t.Errorf("read %q", b)
	}
}
