package main_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/securityprofiles/operator/internal/seccomp"
	"github.com/securityprofiles/operator/test/require"
)

// Binaries built once for the package by TestMain.
var spocBin, noBPFBin, threadsBin string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "spoc-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	// Non-root tests exec spoc as nobody: the directory must be reachable.
	if err := os.Chmod(dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	spocBin, threadsBin = filepath.Join(dir, "spoc"), filepath.Join(dir, "threads")
	noBPFBin = filepath.Join(dir, "spoc-no-bpf")
	builds := [][]string{
		{"go", "build", "-o", spocBin, "."},
		{"go", "build", "-tags", "no_bpf", "-o", noBPFBin, "."},
		{"go", "build", "-o", threadsBin, "./testdata/threads"},
	}
	for _, b := range builds {
		cmd := exec.Command(b[0], b[1:]...)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", strings.Join(b, " "), err)
			return 1
		}
	}
	return m.Run()
}

// result is what a finished process printed and how it exited.
type result struct {
	stdout, stderr string
	code           int
}

func execute(t *testing.T, attr *syscall.SysProcAttr, name string, args ...string) result {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = attr
	return runCmd(t, cmd)
}

func runCmd(t *testing.T, cmd *exec.Cmd) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("run %s: %v", cmd.Path, err)
	}
	return result{stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()}
}

func spoc(t *testing.T, args ...string) result {
	t.Helper()
	return execute(t, nil, spocBin, args...)
}

// requireRecorder gates tests that load the eBPF recorder.
func requireRecorder(t *testing.T) {
	t.Helper()
	require.Root(t)
	require.BTF(t)
	require.Seccomp(t)
}

// errorLines returns spoc's own error lines ("spoc <cmd>: ...") on stderr.
func errorLines(stderr string) []string {
	var lines []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "spoc ") {
			lines = append(lines, l)
		}
	}
	return lines
}

var straceCall = regexp.MustCompile(`^\d+\s+([a-z0-9_]+)\(`)

// straceCaused are syscalls that appear because strace stops the tracee:
// restart_syscall resumes a sleep that a ptrace stop interrupted.
var straceCaused = []string{"restart_syscall"}

// straceSet runs argv under `strace -f` and returns the syscalls seen.
func straceSet(t *testing.T, env []string, argv ...string) []string {
	t.Helper()
	require.Command(t, "strace")
	out := filepath.Join(t.TempDir(), "strace.out")
	cmd := exec.Command("strace", append([]string{"-f", "-qq", "-o", out, "--"}, argv...)...)
	cmd.Env = env
	_ = cmd.Run()
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("strace output: %v", err)
	}
	var names []string
	for _, line := range strings.Split(string(data), "\n") {
		if m := straceCall.FindStringSubmatch(line); m != nil && !slices.Contains(straceCaused, m[1]) {
			names = append(names, m[1])
		}
	}
	return seccomp.Union(names)
}

// profileNames returns the allowed syscalls of an OCI or CRD profile file.
func profileNames(g *WithT, path string) []string {
	data, err := os.ReadFile(path)
	g.Expect(err).NotTo(HaveOccurred())
	p, _, err := seccomp.Decode(data)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(p.Syscalls).To(HaveLen(1))
	return p.Syscalls[0].Names
}
