package metricsserving_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/securityprofiles/operator/internal/metricsserving"
	"github.com/securityprofiles/operator/test/tlsprobe"
)

// TestMetricsServersRefuseHTTP2AndOldTLS starts a metrics server from the
// options every binary uses (manager and webhook: Options; daemon:
// DaemonOptions) and handshakes with it. Token authentication is left
// out: it sits above TLS and needs an API server.
func TestMetricsServersRefuseHTTP2AndOldTLS(t *testing.T) {
	for name, build := range map[string]func(addr, certDir string) metricsserver.Options{
		"manager and webhook": metricsserving.Options,
		"daemon":              metricsserving.DaemonOptions,
	} {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			addr := freeAddr(g)
			o := build(addr, t.TempDir()) // no certificate there: self-signed, as without the Secret
			o.FilterProvider = nil
			srv, err := metricsserver.NewServer(o, nil, nil)
			g.Expect(err).NotTo(HaveOccurred())
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() { _ = srv.Start(ctx) }()

			tlsprobe.ExpectHardened(t, addr, 30*time.Second)
		})
	}
}
