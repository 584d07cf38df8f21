package buildtest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

// Stamp is what the test links into internal/version.
var Stamp = struct{ Version, GitCommit, BuildDate string }{
	Version:   "v9.8.7-buildtest",
	GitCommit: "0123456789abcdef0123456789abcdef01234567",
	BuildDate: "2026-01-02T03:04:05Z",
}

const versionPkg = "github.com/securityprofiles/operator/internal/version"

// Build compiles pkg (such as "./cmd/daemon", relative to the module
// root) into a temporary directory with the Makefile's ldflags and returns
// the binary's path. env is added to the test's own environment, so a cgo
// binary builds with the hack/cgo-env.sh settings the test runs under.
func Build(t *testing.T, pkg string, env ...string) string {
	t.Helper()
	// -short skips it on a developer's machine, never under CI=true.
	if testing.Short() && os.Getenv("CI") != "true" {
		t.Skip("builds a binary; skipped with -short")
	}
	root := moduleRoot(t)
	out := filepath.Join(t.TempDir(), filepath.Base(pkg))
	ldflags := strings.Join([]string{
		"-s", "-w",
		"-X", versionPkg + ".version=" + Stamp.Version,
		"-X", versionPkg + ".gitCommit=" + Stamp.GitCommit,
		"-X", versionPkg + ".buildDate=" + Stamp.BuildDate,
	}, " ")
	// A cold build cache (a new machine, or CGO_ENABLED=0 for the first
	// time) compiles the whole dependency tree: over five minutes on two
	// busy cores.
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Minute)
	defer cancel()
	// Unlike the Makefile, no -trimpath: without it the build reuses the
	// packages the test run already compiled, which saves minutes.
	cmd := exec.CommandContext(ctx, "go", "build", "-ldflags", ldflags, "-o", out, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
	return out
}

// Run starts bin with args and env (added to a minimal environment with
// no kubeconfig) and returns its exit code and combined output. It fails
// the test if bin does not exit within 30 seconds.
func Run(t *testing.T, bin string, args []string, env ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	home := t.TempDir()
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + home,
		"KUBECONFIG=" + filepath.Join(home, "no-such-kubeconfig")}, env...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s %v did not exit: %s", bin, args, buf.String())
	}
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("run %s: %v", bin, err)
	}
	return cmd.ProcessState.ExitCode(), buf.String()
}

// LogLine returns the first JSON log line whose msg is msg, or nil.
func LogLine(output, msg string) map[string]any {
	sc := bufio.NewScanner(strings.NewReader(output))
	for sc.Scan() {
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) == nil && line["msg"] == msg {
			return line
		}
	}
	return nil
}

// ExpectStartLine asserts that output has the one-line build record every
// binary logs at start, for component and with the Stamp the binary was
// built with, and returns it for further checks.
func ExpectStartLine(g Gomega, output, component string) map[string]any {
	start := LogLine(output, "Starting component")
	g.Expect(start).NotTo(BeNil(), output)
	g.Expect(start).To(HaveKeyWithValue("component", component))
	g.Expect(start).To(HaveKeyWithValue("version", Stamp.Version))
	g.Expect(start).To(HaveKeyWithValue("gitCommit", Stamp.GitCommit))
	g.Expect(start).To(HaveKeyWithValue("buildDate", Stamp.BuildDate))
	g.Expect(start).To(HaveKey("goVersion"))
	g.Expect(start).To(HaveKey("buildTags"))
	return start
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	b, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(b)) == "" {
		t.Fatalf("find module root: %v", err)
	}
	return filepath.Dir(strings.TrimSpace(string(b)))
}
