package main

import (
	"testing"

	. "github.com/onsi/gomega"

	"github.com/securityprofiles/operator/internal/seccompfilter"
	"github.com/securityprofiles/operator/test/buildtest"
)

// TestBinaryLogsBuildInfo builds the daemon as the Makefile does and
// checks that it logs its build before it gives up: without NODE_NAME it
// exits 1, in every mode.
func TestBinaryLogsBuildInfo(t *testing.T) {
	bin := buildtest.Build(t, "./cmd/daemon")
	for _, c := range []struct {
		name, component string
		args            []string
		wantCode        int
		wantMsg         string
	}{
		{name: "no node name", component: "spod", args: []string{"--verbosity=1"}, wantCode: 1,
			wantMsg: "NODE_NAME is not set; the daemon must know which node it runs on"},
		{name: "log enricher", component: "log-enricher", args: []string{"log-enricher", "--verbosity=0", "--host-proc=/proc"}, wantCode: 1,
			wantMsg: "NODE_NAME is not set; the daemon must know which node it runs on"},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			code, out := buildtest.Run(t, bin, c.args, "ENABLE_RECORDING=true")
			g.Expect(code).To(Equal(c.wantCode), out)
			start := buildtest.ExpectStartLine(g, out, c.component)
			g.Expect(start).To(HaveKeyWithValue("libseccomp", seccompfilter.LibraryVersion()))
			g.Expect(start).To(HaveKey("seccompSupported"))
			g.Expect(buildtest.LogLine(out, c.wantMsg)).NotTo(BeNil(), out)
			if c.component == "spod" {
				g.Expect(buildtest.LogLine(out, recordingInProcess)).NotTo(BeNil(), out)
			}
		})
	}
}
