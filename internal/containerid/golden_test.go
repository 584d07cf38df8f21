package containerid

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// goldenFile returns the path of an upstream golden file, which lives in
// ../shared beside the repository; the test is skipped when it is absent.
func goldenFile(t *testing.T, name string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("repository root not found")
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", "upstream", "golden", "enricher", name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("golden file absent: %v", err)
	}
	return p
}

// TestGoldenCgroupLines checks the upstream container ID expectations,
// except that a CRI-O conmon scope names no container here: upstream took
// the ID of the container conmon monitors.
func TestGoldenCgroupLines(t *testing.T) {
	data, err := os.ReadFile(goldenFile(t, "container-id-and-proc.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		FromCgroup struct {
			Cases []struct {
				Name       string `json:"name"`
				CgroupLine string `json:"cgroup_line"`
				Want       string `json:"want"`
			} `json:"cases"`
		} `json:"container_id_from_cgroup_line"`
	}
	if err := yaml.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.FromCgroup.Cases) == 0 {
		t.Fatal("golden file has no cases")
	}
	for _, c := range g.FromCgroup.Cases {
		want := c.Want
		if strings.Contains(c.CgroupLine, "/crio-conmon-") {
			want = ""
		}
		if got, ok := FromCgroup([]byte(c.CgroupLine + "\n")); got != want || ok != (want != "") {
			t.Errorf("%s: FromCgroup = %q, %v; want %q", c.Name, got, ok, want)
		}
	}
}
