package tlsprobe

import (
	"crypto/tls"
	"fmt"
	"net"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

// handshake dials addr and completes a TLS handshake as a client that
// offers protos (ALPN) and speaks at most maxVersion. The server's
// certificate is not checked: the probe is about the protocol, not trust.
func handshake(addr string, protos []string, maxVersion uint16) (tls.ConnectionState, error) {
	d := &net.Dialer{Timeout: 5 * time.Second}
	conn, err := tls.DialWithDialer(d, "tcp", addr, &tls.Config{
		InsecureSkipVerify: true, //nolint:gosec // probing the protocol only
		NextProtos:         protos,
		MinVersion:         tls.VersionTLS10,
		MaxVersion:         maxVersion,
	})
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer conn.Close()
	return conn.ConnectionState(), nil
}

// ExpectHardened waits (up to timeout) for a server on addr to complete a
// handshake, then expects it to answer a client offering h2 with
// http/1.1 (HTTP/2 rapid reset, CVE-2023-44487, is why controller-runtime
// advises turning HTTP/2 off) and to refuse a TLS 1.1 client.
//
// Go's own server default is already TLS 1.2, but GODEBUG=tls10server=1
// (in a pod's environment, or a go.mod go line before 1.22) lowers it;
// the probe sets that, so only an explicit MinVersion passes.
func ExpectHardened(t *testing.T, addr string, timeout time.Duration) {
	t.Helper()
	t.Setenv("GODEBUG", "tls10server=1")
	g := NewWithT(t)
	var state tls.ConnectionState
	g.Eventually(func() (err error) {
		state, err = handshake(addr, []string{"h2", "http/1.1"}, tls.VersionTLS13)
		return err
	}).WithTimeout(timeout).WithPolling(100 * time.Millisecond).Should(Succeed())
	g.Expect(state.NegotiatedProtocol).To(Equal("http/1.1"),
		fmt.Sprintf("ALPN on %s: the server still offers HTTP/2", addr))

	_, err := handshake(addr, []string{"http/1.1"}, tls.VersionTLS11)
	g.Expect(err).To(HaveOccurred(), fmt.Sprintf("%s accepted a TLS 1.1 client", addr))
}
