package main

import (
	"testing"

	. "github.com/onsi/gomega"

	"github.com/securityprofiles/operator/test/buildtest"
)

// TestBinaryLogsBuildInfo builds the webhook server as the Makefile does
// (CGO_ENABLED=0, -X ldflags) and checks that it logs its build before it
// fails for want of a kubeconfig.
func TestBinaryLogsBuildInfo(t *testing.T) {
	g := NewWithT(t)
	bin := buildtest.Build(t, "./cmd/webhook", "CGO_ENABLED=0")
	code, out := buildtest.Run(t, bin, []string{"--metrics-bind-address=0", "--health-probe-bind-address=0", "--leader-elect=false", "--cert-dir=" + t.TempDir()})
	g.Expect(code).To(Equal(1), out)
	buildtest.ExpectStartLine(g, out, "webhook")
}
