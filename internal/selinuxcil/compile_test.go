package selinuxcil

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/securityprofiles/operator/test/require"
)

// compileCIL compiles the given CIL files with secilc into a throwaway
// binary policy and returns its output and error.
func compileCIL(t *testing.T, files ...string) (string, error) {
	t.Helper()
	secilc := require.Command(t, "secilc")
	dir := t.TempDir()
	args := append([]string{
		"--output=" + filepath.Join(dir, "policy"),
		"--filecontext=" + filepath.Join(dir, "file_contexts"),
	}, files...)
	out, err := exec.Command(secilc, args...).CombinedOutput()
	return string(out), err
}

// writeCIL writes text to a file in a temporary directory.
func writeCIL(t *testing.T, name string, text []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, text, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

var baseFiles = []string{filepath.Join("testdata", "base.cil"), filepath.Join("testdata", "templates.cil")}

// TestCompileGoldens compiles every golden output together with a small
// base policy and container templates: the generated CIL is well formed,
// its names resolve (foo_ns.process, blockinherit foo_ns) and nothing is
// declared twice (container is not inherited beside a profile).
func TestCompileGoldens(t *testing.T) {
	goldens, err := filepath.Glob(filepath.Join("testdata", "*.golden"))
	if err != nil {
		t.Fatal(err)
	}
	if len(goldens) < len(translateCases)+len(rawCases) {
		t.Fatalf("found %d golden files, want %d", len(goldens), len(translateCases)+len(rawCases))
	}
	if out, err := compileCIL(t, append(baseFiles, goldens...)...); err != nil {
		t.Fatalf("secilc: %v\n%s", err, out)
	}
}

// TestCompileRejectsBrokenPolicy proves the compile check can fail: an
// unknown class passes Translate (it is a well-formed name) but not secilc.
func TestCompileRejectsBrokenPolicy(t *testing.T) {
	broken, err := Translate(selinuxProfile("broken", "ns", spec{
		Allow: allow{"var_log_t": classes{"no_such_class": perms("read")}},
	}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := compileCIL(t, append(baseFiles, writeCIL(t, "broken.cil", broken))...)
	if err == nil {
		t.Fatalf("secilc accepted an unknown class:\n%s", broken)
	}
	// Line 3 is the allow rule: the block and the container inherit compile.
	if !strings.Contains(out, "Failed to resolve allow statement") || !strings.Contains(out, "broken.cil:3") {
		t.Errorf("secilc failed for another reason:\n%s", out)
	}
}

// TestCompileWhyContainerComesFirst shows the template facts the inherit
// rules rest on: net_container alone leaves "process" undeclared, and
// container beside a profile that carries it declares it twice.
func TestCompileWhyContainerComesFirst(t *testing.T) {
	cases := map[string]struct{ text, why string }{
		"net_container alone": {"(block lone_ns\n(blockinherit net_container)\n)\n",
			"Failed to resolve allow statement"},
		"container twice": {"(block base_ns\n(blockinherit container)\n)\n" +
			"(block twice_ns\n(blockinherit container)\n(blockinherit base_ns)\n)\n",
			"Re-declaration of type process"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			out, err := compileCIL(t, append(baseFiles, writeCIL(t, "p.cil", []byte(c.text)))...)
			if err == nil {
				t.Fatalf("secilc accepted it:\n%s", out)
			}
			if !strings.Contains(out, c.why) {
				t.Errorf("secilc failed for another reason:\n%s", out)
			}
		})
	}
}
