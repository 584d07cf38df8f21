package hackscripts

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/securityprofiles/operator/test/envtest"
	"github.com/securityprofiles/operator/test/require"
)

// fakeMakefile builds a tool into bin/ before generating, as the real
// Makefile's generate and manifests targets build controller-gen.
const fakeMakefile = `BIN := $(CURDIR)/bin

.PHONY: generate manifests
generate manifests: $(BIN)/tool

$(BIN)/tool:
	mkdir -p $(BIN)
	touch $@
`

// TestVerifyIsTheFirstCommandOfAFreshClone runs hack/verify.sh in a clone
// that has no bin/ yet: the copy it regenerates in links bin/ back to the
// clone, and a link to a directory that does not exist made the first
// build into bin/ fail with "File exists".
func TestVerifyIsTheFirstCommandOfAFreshClone(t *testing.T) {
	for _, tool := range []string{"bash", "git", "make", "go", "gofmt"} {
		require.Command(t, tool)
	}
	root := t.TempDir()
	script, err := os.ReadFile(filepath.Join(envtest.RepoRoot(), "hack", "verify.sh"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"hack/verify.sh":        string(script),
		"Makefile":              fakeMakefile,
		"go.mod":                "module example.com/fresh\n\ngo 1.22\n",
		"apis/doc.go":           "// Package apis is empty.\npackage apis\n",
		"config/crd.yaml":       "kind: CustomResourceDefinition\n",
		"deploy/operator.yaml":  "kind: Deployment\n",
		"bundle/manifests.yaml": "kind: ClusterServiceVersion\n",
	}
	for name, content := range files {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	run(t, root, "git", "init", "-q")

	out := run(t, root, "bash", "hack/verify.sh")
	if !strings.Contains(out, "verify: generated code, formatting and vet are clean") {
		t.Errorf("verify.sh did not finish:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(root, "bin", "tool")); err != nil {
		t.Errorf("the tool built during verify is not in the clone's bin/: %v", err)
	}
}

func run(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	// The fake module needs no network and no other toolchain.
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local", "GOFLAGS=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}
