package containerid

import (
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
