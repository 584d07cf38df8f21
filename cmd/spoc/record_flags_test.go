package main_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/securityprofiles/operator/internal/seccomp"
)

// background is a spoc process started in the background whose stderr
// lines arrive on lines, which is closed at EOF.
type background struct {
	cmd   *exec.Cmd
	lines chan string
}

func startSpoc(t *testing.T, args ...string) *background {
	t.Helper()
	cmd := exec.Command(spocBin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	b := &background{cmd: cmd, lines: make(chan string, 100)}
	go func() {
		defer close(b.lines)
		scanner := bufio.NewScanner(stderr)
		for scanner.Scan() {
			b.lines <- scanner.Text()
		}
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = b.wait()
		}
	})
	return b
}

// waitLine returns the first line from now on that contains substr, or
// fails the test after 30 seconds or at EOF.
func (b *background) waitLine(t *testing.T, substr string) string {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-b.lines:
			if !ok {
				t.Fatalf("spoc exited without logging %q", substr)
			}
			if strings.Contains(l, substr) {
				return l
			}
		case <-timeout:
			t.Fatalf("spoc did not log %q within 30s", substr)
		}
	}
}

// wait reads the rest of stderr and waits for spoc to exit.
func (b *background) wait() []string {
	var rest []string
	for l := range b.lines {
		rest = append(rest, l)
	}
	_ = b.cmd.Wait()
	return rest
}

func TestRecordNoProcStartRecordsUntilSignal(t *testing.T) {
	requireRecorder(t)
	g := NewWithT(t)
	out := filepath.Join(t.TempDir(), "out.yaml")
	rec := startSpoc(t, "record", "--no-proc-start", "-o", out, "sh", "-c", "true")

	rec.waitLine(t, "All processes exited; still recording until SIGINT or SIGTERM")
	time.Sleep(300 * time.Millisecond)
	g.Expect(out).NotTo(BeAnExistingFile(), "no profile before the signal")
	g.Expect(rec.cmd.Process.Signal(syscall.Signal(0))).To(Succeed(), "spoc still runs after sh exited")

	g.Expect(rec.cmd.Process.Signal(syscall.SIGINT)).To(Succeed())
	rest := rec.wait()
	g.Expect(rec.cmd.ProcessState.ExitCode()).To(Equal(0), "sh's exit code: %v", rest)
	g.Expect(rest).To(ContainElement(ContainSubstring("Received interrupt, stopping the recording")))
	data, err := os.ReadFile(out)
	g.Expect(err).NotTo(HaveOccurred())
	name, p, err := seccomp.DecodeCRD(data)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(name).To(Equal("sh"))
	g.Expect(p.Syscalls[0].Names).To(ContainElements("execve", "exit_group"))
}

const progressLine = `^spoc: recording: \d+ s, [1-9]\d* syscalls so far$`

// A recording longer than the 5 s interval prints a progress line, with
// how many syscalls the recorder saw; -q leaves it out.
func TestRecordProgress(t *testing.T) {
	requireRecorder(t)
	for _, quiet := range []bool{false, true} {
		t.Run(map[bool]string{false: "default", true: "quiet"}[quiet], func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			args := []string{"record", "-o", filepath.Join(t.TempDir(), "p.yaml")}
			if quiet {
				args = append(args, "-q")
			}
			res := spoc(t, append(args, "sleep", "6")...)
			g.Expect(res.code).To(Equal(0), res.stderr)
			var progress []string
			for _, l := range strings.Split(res.stderr, "\n") {
				if strings.HasPrefix(l, "spoc: recording") {
					progress = append(progress, l)
				}
			}
			if quiet {
				g.Expect(progress).To(BeEmpty())
				return
			}
			g.Expect(progress).To(HaveLen(1), res.stderr)
			g.Expect(progress[0]).To(MatchRegexp(progressLine))
		})
	}
}

// --privileged is a no-op because spoc record never drops privileges:
// upstream spoc would run the command as the sudo user (SUDO_UID) and
// drop capabilities; here it has root's user, capabilities and no
// no_new_privs either way, and a set-user-ID binary is elevated as when
// run directly.
func TestRecordKeepsPrivileges(t *testing.T) {
	requireRecorder(t)
	g := NewWithT(t)
	dir := t.TempDir()
	suid := filepath.Join(dir, "id-as-nobody")
	data, err := os.ReadFile("/usr/bin/id")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(os.WriteFile(suid, data, 0o755)).To(Succeed())
	g.Expect(os.Chown(suid, 65534, 65534)).To(Succeed())
	g.Expect(os.Chmod(suid, 0o755|os.ModeSetuid)).To(Succeed())
	script := "id; grep -E '^(Cap(Prm|Eff|Bnd|Amb)|NoNewPrivs):' /proc/self/status; " + suid

	bare := execute(t, nil, "sh", "-c", script)
	g.Expect(bare.stdout).To(ContainSubstring("euid=65534"), "set-user-ID works here")
	env := append(os.Environ(), "SUDO_UID=65534", "SUDO_GID=65534", "SUDO_USER=nobody")
	for _, flags := range [][]string{nil, {"--privileged"}} {
		args := append(append([]string{"record"}, flags...), "-o", filepath.Join(dir, "p.yaml"), "sh", "-c", script)
		res := spocEnv(t, env, args...)
		g.Expect(res.code).To(Equal(0), res.stderr)
		g.Expect(res.stdout).To(Equal(bare.stdout), "spoc record %v", flags)
	}
}

func TestRecordTypeSeccompIsCRD(t *testing.T) {
	requireRecorder(t)
	g := NewWithT(t)
	for _, typ := range []string{"seccomp", "crd"} {
		res := spoc(t, "record", "-t", typ, "-o", "-", "/bin/true")
		g.Expect(res.code).To(Equal(0), res.stderr)
		_, format, err := seccomp.Decode([]byte(res.stdout))
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(format).To(Equal(seccomp.FormatCRD), "-t %s", typ)
	}
}
