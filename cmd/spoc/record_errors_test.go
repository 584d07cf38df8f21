package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/securityprofiles/operator/internal/seccomp"
	"github.com/securityprofiles/operator/test/require"
)

func TestRecordBadInput(t *testing.T) {
	dir := t.TempDir()
	g := NewWithT(t)
	g.Expect(os.Mkdir(filepath.Join(dir, "sub"), 0o755)).To(Succeed())
	cases := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"no command", []string{"record", "-o", filepath.Join(dir, "a.yaml")}, 2, "missing command"},
		{"bad type", []string{"record", "-t", "json", "-o", filepath.Join(dir, "b.yaml"), "true"}, 2, `unknown type "json": use seccomp (or crd) or raw-seccomp`},
		{"apparmor type", []string{"record", "-t", "apparmor", "-o", filepath.Join(dir, "b.yaml"), "true"}, 2, `unknown type "apparmor"`},
		{"n and b", []string{"record", "-n", "-b", "read", "-o", filepath.Join(dir, "c.yaml"), "true"}, 2, "exclude each other"},
		{"unknown base", []string{"record", "-b", "read,frobnicate", "-o", filepath.Join(dir, "d.yaml"), "true"}, 2, "unknown syscalls in -b: frobnicate"},
		{"unknown command", []string{"record", "-o", filepath.Join(dir, "e.yaml"), "no-such-command-xyz"}, 125, "executable file not found"},
		{"missing directory", []string{"record", "-o", filepath.Join(dir, "nope", "f.yaml"), "true"}, 125, "cannot write"},
		{"output is a directory", []string{"record", "-o", filepath.Join(dir, "sub"), "true"}, 125, "is a directory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			res := spoc(t, c.args...)
			g.Expect(res.code).To(Equal(c.wantCode), res.stderr)
			lines := errorLines(res.stderr)
			g.Expect(lines).To(HaveLen(1))
			g.Expect(lines[0]).To(ContainSubstring(c.wantErr))
		})
	}
	entries, err := os.ReadDir(dir)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(entries).To(HaveLen(1), "nothing but the sub directory: no partial or temporary files")
}

func TestRecordAsNonRootFails(t *testing.T) {
	require.Root(t) // to switch to nobody
	g := NewWithT(t)
	// t.TempDir's parent is private to root; nobody needs its own.
	dir, err := os.MkdirTemp("", "spoc-nonroot-")
	g.Expect(err).NotTo(HaveOccurred())
	t.Cleanup(func() { os.RemoveAll(dir) })
	g.Expect(os.Chmod(dir, 0o777)).To(Succeed())
	out := filepath.Join(dir, "profile.yaml")
	nobody := &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}

	res := execute(t, nobody, spocBin, "record", "-o", out, "true")
	g.Expect(res.code).To(Equal(125), res.stderr)
	lines := errorLines(res.stderr)
	g.Expect(lines).To(HaveLen(1))
	g.Expect(lines[0]).To(ContainSubstring("missing privileges"))
	entries, err := os.ReadDir(dir)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(entries).To(BeEmpty(), "no partial output file")
}

func TestRecordInterruptWritesProfile(t *testing.T) {
	requireRecorder(t)
	g := NewWithT(t)
	out := filepath.Join(t.TempDir(), "sleep.yaml")
	rec := startSpoc(t, "record", "-o", out, "sleep", "100")

	// Interrupt only once sleep sleeps (syscall 230, clock_nanosleep) under
	// the recorder.
	_, pid, _ := strings.Cut(rec.waitLine(t, "Running command with PID: "), "Running command with PID: ")
	g.Eventually(func() (string, error) {
		b, err := os.ReadFile("/proc/" + pid + "/syscall")
		return string(b), err
	}).WithTimeout(30 * time.Second).Should(HavePrefix("230 "))
	// How long spoc takes from Ctrl-C to exit is printed by make bench
	// (hack/bench/spoc-interrupt.sh), not asserted here.
	g.Expect(rec.cmd.Process.Signal(syscall.SIGINT)).To(Succeed())
	rest := rec.wait()

	g.Expect(rec.cmd.ProcessState.ExitCode()).To(Equal(130), "sleep died of SIGINT: %v", rest)
	data, err := os.ReadFile(out)
	g.Expect(err).NotTo(HaveOccurred())
	name, p, err := seccomp.DecodeCRD(data)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(name).To(Equal("sleep"))
	g.Expect(p.Syscalls[0].Names).To(ContainElements("clock_nanosleep", "execve"))
}
