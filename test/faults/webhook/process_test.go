package webhookfaults

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/securityprofiles/operator/internal/selfsignedcerts"
	"github.com/securityprofiles/operator/test/buildtest"
)

// webhookProcess is the real webhook binary, started and SIGKILLed by the
// test. It keeps its port and certificate across restarts, as a restarted
// pod behind the same Service would.
type webhookProcess struct {
	bin        string
	kubeconfig string
	certDir    string
	port       int
	probePort  int
	cmd        *exec.Cmd
	exited     chan struct{}
	out        *buildtest.Output
}

// newWebhookProcess writes a serving certificate for 127.0.0.1 into a
// fresh cert dir and returns the process (not started) and the CA the API
// server must trust.
func newWebhookProcess(t *testing.T, bin, kubeconfig string) (*webhookProcess, []byte) {
	t.Helper()
	ca, leaf := loopbackCerts(t)
	dir := t.TempDir()
	for name, data := range map[string][]byte{"tls.crt": leaf.Cert, "tls.key": leaf.Key} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	w := &webhookProcess{bin: bin, kubeconfig: kubeconfig, certDir: dir,
		port: freePort(t), probePort: freePort(t), out: &buildtest.Output{}}
	t.Cleanup(func() {
		w.kill(t, func() {})
		if t.Failed() {
			t.Logf("webhook output:\n%s", w.out.String())
		}
	})
	return w, ca.Cert
}

// url is the base URL the API server calls the webhook at.
func (w *webhookProcess) url() string {
	return "https://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(w.port))
}

// start runs the binary and waits until /readyz answers 200: the TLS
// server is up and the informer cache has synced.
func (w *webhookProcess) start(t *testing.T) {
	t.Helper()
	w.cmd = exec.Command(w.bin,
		"--cert-dir="+w.certDir,
		"--port="+strconv.Itoa(w.port),
		"--health-probe-bind-address=127.0.0.1:"+strconv.Itoa(w.probePort),
		"--metrics-bind-address=0",
		"--leader-elect=false")
	w.cmd.Env = append(os.Environ(), "KUBECONFIG="+w.kubeconfig, "OPERATOR_NAMESPACE=security-profiles-operator")
	w.cmd.Stdout, w.cmd.Stderr = w.out, w.out
	if err := w.cmd.Start(); err != nil {
		t.Fatalf("start webhook: %v", err)
	}
	w.exited = make(chan struct{})
	go func(cmd *exec.Cmd, exited chan struct{}) { _ = cmd.Wait(); close(exited) }(w.cmd, w.exited)
	if err := w.waitReady(60 * time.Second); err != nil {
		t.Fatalf("%v\n%s", err, w.out.String())
	}
}

// kill SIGKILLs the process, as an OOM kill or a node failure would, and
// returns once it has exited: its listening socket is closed then, so
// every later call is refused. signalled runs right after the signal is
// sent, before the process is gone.
func (w *webhookProcess) kill(t *testing.T, signalled func()) {
	t.Helper()
	if w.cmd == nil {
		return
	}
	if err := w.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("kill webhook: %v", err)
	}
	signalled()
	<-w.exited
	w.cmd = nil
}

func (w *webhookProcess) waitReady(timeout time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	url := fmt.Sprintf("http://127.0.0.1:%d/readyz", w.probePort)
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-w.exited:
			return fmt.Errorf("webhook exited before it was ready")
		default:
		}
		if resp, err := client.Get(url); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("webhook not ready on %s within %s", url, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// loopbackCerts returns a CA and a serving certificate for the IP
// 127.0.0.1. selfsignedcerts.Issue issues for DNS names only, and the API
// server checks an IP URL against the certificate's IP SANs, so the leaf
// is signed here with the CA it made.
func loopbackCerts(t *testing.T) (ca, leaf selfsignedcerts.KeyPair) {
	t.Helper()
	now := time.Now()
	ca, err := selfsignedcerts.NewCA("webhookfaults-ca", now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	caCert, caKey, err := selfsignedcerts.Parse(ca)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, key.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf = selfsignedcerts.KeyPair{Cert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), Key: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})}
	return ca, leaf
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
