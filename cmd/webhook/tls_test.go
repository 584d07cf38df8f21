package main

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/securityprofiles/operator/internal/selfsignedcerts"
	"github.com/securityprofiles/operator/test/tlsprobe"
)

// TestWebhookServerRefusesHTTP2AndOldTLS starts the webhook server the
// binary builds, with a certificate in its cert dir as the Secret mount
// provides, and handshakes with it.
func TestWebhookServerRefusesHTTP2AndOldTLS(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	ca, err := selfsignedcerts.NewCA("test-ca", now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := selfsignedcerts.Issue(ca, []string{"localhost"}, now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"tls.crt": leaf.Cert, "tls.key": leaf.Key} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	port := freePort(t)

	srv := managerOptions(options{port: port, certDir: dir, metricsAddr: "0", probeAddr: "0"}).WebhookServer
	go func() { _ = srv.Start(t.Context()) }()

	tlsprobe.ExpectHardened(t, net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), 30*time.Second)
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
