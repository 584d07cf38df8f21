package main_test

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
)

func TestRunAndRecordLogBuildLine(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.yaml")
	for _, args := range [][]string{{"run", "-p", missing, "true"}, {"record", "-o", missing, "--no-such-flag"}} {
		g := NewWithT(t)
		res := spoc(t, args...)
		g.Expect(res.code).NotTo(Equal(0))
		var line string
		for _, l := range strings.Split(res.stderr, "\n") {
			if strings.Contains(l, "Starting component component=spoc") {
				line = l
			}
		}
		g.Expect(line).NotTo(BeEmpty(), res.stderr)
		for _, key := range []string{"version", "gitCommit", "buildDate", "goVersion", "buildTags", "seccompSupported", "libbpf"} {
			g.Expect(line).To(ContainSubstring(" "+key+"="), "spoc %v", args)
		}
		g.Expect(line).To(MatchRegexp(` libseccomp=2\.\d+\.\d+`))
	}
	g := NewWithT(t)
	for _, args := range [][]string{{"version"}, {"run", "--help"}} {
		g.Expect(spoc(t, args...).stderr).NotTo(MatchRegexp(regexp.QuoteMeta("Starting component")), "spoc %v", args)
	}
}
