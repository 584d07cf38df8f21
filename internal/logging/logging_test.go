package logging

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
)

func TestVerbosity(t *testing.T) {
	for _, c := range []struct {
		verbosity int
		wantV1    bool
	}{{0, false}, {1, true}} {
		g := NewWithT(t)
		var buf bytes.Buffer
		log := New(&buf, c.verbosity)
		log.Info("Always")
		log.V(1).Info("Detail")
		g.Expect(buf.String()).To(ContainSubstring(`"msg":"Always"`))
		if c.wantV1 {
			g.Expect(buf.String()).To(ContainSubstring(`"msg":"Detail"`), "verbosity %d", c.verbosity)
		} else {
			g.Expect(buf.String()).NotTo(ContainSubstring("Detail"), "verbosity %d", c.verbosity)
		}
		g.Expect(log.V(1).Enabled()).To(Equal(c.wantV1))
	}
}

func TestSetupLogsBuildLine(t *testing.T) {
	g := NewWithT(t)
	var buf bytes.Buffer
	setup(&buf, "spod", 1, "libseccomp", "2.5.4", "seccompSupported", true)
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	g.Expect(lines).To(HaveLen(2))
	var first map[string]any
	g.Expect(json.Unmarshal([]byte(lines[0]), &first)).To(Succeed())
	g.Expect(first).To(HaveKeyWithValue("msg", "Starting component"))
	g.Expect(first).To(HaveKeyWithValue("component", "spod"))
	g.Expect(first).To(HaveKeyWithValue("libseccomp", "2.5.4"))
	g.Expect(first).To(HaveKeyWithValue("seccompSupported", true))
	for _, k := range []string{"version", "gitCommit", "buildDate", "goVersion", "buildTags"} {
		g.Expect(first).To(HaveKey(k))
	}
	g.Expect(lines[1]).To(ContainSubstring(`"verbosity":1`))
}
