package audit

import (
	"errors"
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/securityprofiles/operator/test/upstream"
)

// goldenFile returns the path of an upstream golden file of the enricher.
func goldenFile(t *testing.T, name string) string {
	t.Helper()
	return upstream.GoldenFile(t, "enricher", name)
}

type goldenAuditLines struct {
	Lines       map[string]string `json:"lines"`
	IsAuditLine []struct {
		Line string `json:"line"`
		Want bool   `json:"want"`
	} `json:"is_audit_line"`
	Extract []struct {
		Line      string `json:"line"`
		WantError string `json:"want_error"`
		Want      *struct {
			Type       string `json:"type"`
			Timestamp  string `json:"timestampID"`
			SyscallID  int    `json:"syscallID"`
			PID        int    `json:"pid"`
			Executable string `json:"executable"`
			Perm       string `json:"perm"`
			Scontext   string `json:"scontext"`
			Tcontext   string `json:"tcontext"`
			Tclass     string `json:"tclass"`
		} `json:"want"`
	} `json:"extract_audit_line"`
}

// TestGoldenAuditLines checks the upstream enricher's line expectations.
// AppArmor records are not ours to parse: they are ErrNotAudit here.
func TestGoldenAuditLines(t *testing.T) {
	data, err := os.ReadFile(goldenFile(t, "audit-lines.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var g goldenAuditLines
	if err := yaml.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.IsAuditLine) == 0 || len(g.Extract) == 0 {
		t.Fatal("golden file has no cases")
	}
	line := func(key string) string {
		l, ok := g.Lines[key]
		if !ok {
			t.Fatalf("golden line %q not listed", key)
		}
		return l
	}
	for _, c := range g.IsAuditLine {
		l := line(c.Line)
		_, err := ParseLine(l)
		want := c.Want && !isAppArmor(l)
		if (err == nil) != want || (!want && !errors.Is(err, ErrNotAudit)) {
			t.Errorf("%s: ParseLine error %v, want a record: %v", c.Line, err, want)
		}
	}
	for _, c := range g.Extract {
		l := line(c.Line)
		got, err := ParseLine(l)
		if c.Want == nil || c.Want.Type == "apparmor" {
			if !errors.Is(err, ErrNotAudit) {
				t.Errorf("%s: error %v, want ErrNotAudit", c.Line, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.Line, err)
			continue
		}
		w := c.Want
		if string(got.Kind) != w.Type || got.Timestamp != w.Timestamp || got.SyscallID != w.SyscallID ||
			got.PID != w.PID || got.Executable != w.Executable || strings.Join(got.Perms, " ") != w.Perm ||
			got.Scontext != w.Scontext || got.Tcontext != w.Tcontext || got.Tclass != w.Tclass {
			t.Errorf("%s: got %+v, want %+v", c.Line, got, *w)
		}
	}
}

func isAppArmor(line string) bool { return strings.Contains(line, " apparmor=") }

// TestGoldenPipelineLines checks the lines of the upstream enricher's
// pipeline test: a seccomp record of /bin/busybox and an AVC record.
func TestGoldenPipelineLines(t *testing.T) {
	data, err := os.ReadFile(goldenFile(t, "pipeline-and-e2e.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Run struct {
			Line       string `json:"line"`
			AVCLine    string `json:"avc_line_used_in_tests"`
			WantMetric struct {
				Executable string `json:"executable"`
			} `json:"want_metric"`
		} `json:"enricher_run_v071"`
	}
	if err := yaml.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	rec, err := ParseLine(g.Run.Line)
	if err != nil || rec.Kind != KindSeccomp || rec.Executable != g.Run.WantMetric.Executable {
		t.Errorf("seccomp line: %+v, %v; want executable %q", rec, err, g.Run.WantMetric.Executable)
	}
	if rec, err := ParseLine(g.Run.AVCLine); err != nil || rec.Kind != KindSelinux {
		t.Errorf("AVC line: %+v, %v", rec, err)
	}
}
