package main_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"golang.org/x/sys/unix"

	"github.com/securityprofiles/operator/internal/auditnetlink"
	"github.com/securityprofiles/operator/test/require"
)

// noMkdir lets everything through but mkdir and mkdirat (coreutils and
// busybox use either).
const noMkdir = `apiVersion: security-profiles-operator.x-k8s.io/v1beta1
kind: SeccompProfile
metadata:
  name: no-mkdir
spec:
  defaultAction: SCMP_ACT_ALLOW
  syscalls:
  - action: SCMP_ACT_ERRNO
    names: [mkdir, mkdirat]
`

// requireAudit gates tests that read the kernel's audit records: root
// (CAP_AUDIT_READ), seccomp, audit support, and the host network
// namespace where the records arrive.
func requireAudit(t *testing.T) {
	t.Helper()
	require.Root(t)
	require.Seccomp(t)
	miss := t.Skipf
	if require.InCI() {
		miss = t.Fatalf
	}
	if _, err := os.Stat("/proc/self/loginuid"); err != nil {
		miss("kernel without audit support: %v", err)
	}
	var st unix.Stat_t
	var uts unix.Utsname
	if unix.Stat("/proc/self/ns/net", &st) == nil && unix.Uname(&uts) == nil {
		if initial, certain := auditnetlink.NetNSIsInitial(st.Ino, unix.ByteSliceToString(uts.Release[:])); !initial && certain {
			miss("not in the host network namespace, where audit records arrive")
		}
	}
}

// writeProfile writes content to a file in dir, readable by anyone.
func writeProfile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// auditRow is one line of spoc's audit summary.
type auditRow struct {
	calls int
	exes  string
}

var auditHeader = regexp.MustCompile(`(?m)^spoc: audit: the profile would have denied (\d+) syscalls? \((\d+) calls?\):\n  SYSCALL +CALLS +EXECUTABLES\n`)

// auditSummary parses the summary spoc run --audit prints on stderr:
// the calls per syscall, and the total the header announces.
func auditSummary(g *WithT, stderr string) (map[string]auditRow, int) {
	rows := map[string]auditRow{}
	if strings.Contains(stderr, "spoc: audit: the profile would have denied nothing\n") {
		return rows, 0
	}
	m := auditHeader.FindStringSubmatchIndex(stderr)
	g.Expect(m).NotTo(BeNil(), "no summary in:\n%s", stderr)
	syscalls, _ := strconv.Atoi(stderr[m[2]:m[3]])
	total, _ := strconv.Atoi(stderr[m[4]:m[5]])
	for _, line := range strings.Split(stderr[m[1]:], "\n") {
		f := strings.Fields(line)
		if len(f) < 3 || !strings.HasPrefix(line, "  ") {
			break
		}
		n, err := strconv.Atoi(f[1])
		g.Expect(err).NotTo(HaveOccurred(), line)
		rows[f[0]] = auditRow{n, strings.Join(f[2:], " ")}
	}
	g.Expect(rows).To(HaveLen(syscalls), "header and table agree")
	return rows, total
}

// mkdirCalls adds up mkdir and mkdirat.
func mkdirCalls(rows map[string]auditRow) int {
	return rows["mkdir"].calls + rows["mkdirat"].calls
}

// The example: under --audit the command is not blocked and the
// denied call is reported; without it the same call fails.
func TestRunAuditReportsWithoutDenying(t *testing.T) {
	requireAudit(t)
	g := NewWithT(t)
	dir := t.TempDir()
	profile := writeProfile(t, dir, "no-mkdir.yaml", noMkdir)
	target := filepath.Join(dir, "made")

	res := spoc(t, "run", "--audit", "-p", profile, "sh", "-c", "mkdir "+target+" && echo done")
	g.Expect(res.code).To(Equal(0), res.stderr)
	g.Expect(res.stdout).To(Equal("done\n"))
	g.Expect(target).To(BeADirectory())
	rows, total := auditSummary(g, res.stderr)
	g.Expect(total).To(Equal(1), res.stderr)
	g.Expect(mkdirCalls(rows)).To(Equal(1), res.stderr)
	g.Expect(rows).To(HaveLen(1))
	for _, r := range rows {
		g.Expect(r.exes).To(HaveSuffix("mkdir"), "the executable that called it")
	}
	g.Expect(res.stderr).To(MatchRegexp(`(?m)^spoc: audit: the profile would have denied 1 syscall \(1 call\):$`))

	blocked := filepath.Join(dir, "blocked")
	res = spoc(t, "run", "-p", profile, "sh", "-c", "mkdir "+blocked)
	g.Expect(res.code).NotTo(Equal(0))
	g.Expect(res.stderr).To(ContainSubstring("Operation not permitted"))
	g.Expect(blocked).NotTo(BeAnExistingFile())
}

// Children and grandchildren share the command's audit session.
func TestRunAuditCountsDescendants(t *testing.T) {
	requireAudit(t)
	g := NewWithT(t)
	dir := t.TempDir()
	profile := writeProfile(t, dir, "no-mkdir.yaml", noMkdir)
	a, b, c := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "c")

	// The subshell forks mkdir; busybox runs in a pipeline's child.
	script := "(mkdir " + a + "); mkdir " + b + "; busybox mkdir " + c + " | cat"
	res := spoc(t, "run", "--audit", "-p", profile, "sh", "-c", script)
	g.Expect(res.code).To(Equal(0), res.stderr)
	rows, total := auditSummary(g, res.stderr)
	g.Expect(mkdirCalls(rows)).To(Equal(3), res.stderr)
	g.Expect(total).To(Equal(3))
	g.Expect(res.stderr).To(ContainSubstring("busybox"))
	g.Expect([]string{a, b, c}).To(HaveEach(BeADirectory()))
}

// spoc listens a little after the command exited: for records the
// kernel has yet to send, and for a background child's late calls.
func TestRunAuditCountsLateCalls(t *testing.T) {
	requireAudit(t)
	g := NewWithT(t)
	dir := t.TempDir()
	profile := writeProfile(t, dir, "no-mkdir.yaml", noMkdir)
	late := filepath.Join(dir, "late")

	res := spoc(t, "run", "--audit", "-p", profile, "sh", "-c", "(sleep 0.05; mkdir "+late+") >/dev/null 2>&1 &")
	g.Expect(res.code).To(Equal(0), res.stderr)
	rows, _ := auditSummary(g, res.stderr)
	g.Expect(mkdirCalls(rows)).To(Equal(1), res.stderr)
	g.Eventually(late).Should(BeADirectory())
}

func TestRunAuditPassesExitCode(t *testing.T) {
	requireAudit(t)
	g := NewWithT(t)
	profile := writeProfile(t, t.TempDir(), "no-mkdir.yaml", noMkdir)

	res := spoc(t, "run", "--audit", "-p", profile, "sh", "-c", "exit 7")
	g.Expect(res.code).To(Equal(7), res.stderr)
	g.Expect(res.stderr).To(ContainSubstring("spoc: audit: the profile would have denied nothing\n"))

	res = spoc(t, "run", "--audit", "-p", profile, "sh", "-c", "kill -KILL $$")
	g.Expect(res.code).To(Equal(128+9), res.stderr)
	g.Expect(res.stderr).To(ContainSubstring("would have denied nothing"))
}

// Two audit runs and a plain run under a logging filter make their
// calls at the same time; each audit run counts only its own session's.
func TestRunAuditCountsOnlyItsSession(t *testing.T) {
	requireAudit(t)
	g := NewWithT(t)
	dir := t.TempDir()
	profile := writeProfile(t, dir, "no-mkdir.yaml", noMkdir)
	logging := writeProfile(t, dir, "log-mkdir.json",
		`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_LOG"}]}`)
	// Each sleeps before and after its calls, so every run listens while
	// the others make theirs.
	script := func(name string, n int) string {
		var dirs []string
		for i := range n {
			dirs = append(dirs, filepath.Join(dir, name+strconv.Itoa(i)))
		}
		return "sleep 0.5; mkdir " + strings.Join(dirs, " ") + "; sleep 0.5"
	}
	runs := []*exec.Cmd{
		exec.Command(spocBin, "run", "--audit", "-p", profile, "sh", "-c", script("a", 3)),
		exec.Command(spocBin, "run", "--audit", "-p", profile, "sh", "-c", script("b", 1)),
		exec.Command(spocBin, "run", "-p", logging, "sh", "-c", script("c", 2)),
	}
	results := make([]chan result, len(runs))
	for i, cmd := range runs {
		results[i] = make(chan result, 1)
		go func() { results[i] <- runCmd(t, cmd) }()
	}
	a, b, c := <-results[0], <-results[1], <-results[2]
	g.Expect(c.code).To(Equal(0), c.stderr)
	g.Expect(c.stderr).NotTo(ContainSubstring("spoc: audit:"))
	for _, r := range []struct {
		res  result
		want int
	}{{a, 3}, {b, 1}} {
		g.Expect(r.res.code).To(Equal(0), r.res.stderr)
		rows, total := auditSummary(g, r.res.stderr)
		g.Expect(mkdirCalls(rows)).To(Equal(r.want), r.res.stderr)
		g.Expect(total).To(Equal(r.want), r.res.stderr)
	}
	g.Expect(filepath.Join(dir, "c1")).To(BeADirectory())
}

// SIGTERM to spoc reaches the command, and spoc still reports.
func TestRunAuditForwardsSignals(t *testing.T) {
	requireAudit(t)
	g := NewWithT(t)
	profile := writeProfile(t, t.TempDir(), "no-mkdir.yaml", noMkdir)
	cmd := exec.Command(spocBin, "run", "--audit", "-p", profile, "sleep", "100")
	stderr, err := cmd.StderrPipe()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(cmd.Start()).To(Succeed())
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	lines := bufio.NewScanner(stderr)
	var pid string
	for pid == "" && lines.Scan() {
		if _, rest, ok := strings.Cut(lines.Text(), "Running command with PID: "); ok {
			pid, _, _ = strings.Cut(rest, " ")
		}
	}
	var rest strings.Builder
	drained := make(chan struct{})
	go func() {
		for lines.Scan() {
			rest.WriteString(lines.Text() + "\n")
		}
		close(drained)
	}()
	g.Expect(pid).NotTo(BeEmpty())
	t.Cleanup(func() {
		if n, err := strconv.Atoi(pid); err == nil && t.Failed() {
			_ = syscall.Kill(n, syscall.SIGKILL) // sleep, if spoc did not pass the signal on
		}
	})
	// Signal only once sleep sleeps (syscall 230, clock_nanosleep).
	g.Eventually(func() (string, error) {
		b, err := os.ReadFile("/proc/" + pid + "/syscall")
		return string(b), err
	}).WithTimeout(10 * time.Second).Should(HavePrefix("230 "))
	g.Expect(cmd.Process.Signal(syscall.SIGTERM)).To(Succeed())

	g.Eventually(drained).WithTimeout(10 * time.Second).Should(BeClosed())
	_ = cmd.Wait()
	g.Expect(cmd.ProcessState.ExitCode()).To(Equal(128+int(syscall.SIGTERM)), rest.String())
	g.Expect(rest.String()).To(ContainSubstring("would have denied nothing"))
}

// Without the capabilities, or outside the host network namespace, spoc
// says what is missing and runs nothing.
func TestRunAuditNeedsPrivileges(t *testing.T) {
	requireAudit(t)
	setpriv := require.Command(t, "setpriv")
	unshare := require.Command(t, "unshare")
	g := NewWithT(t)
	// t.TempDir's parent is private to root; nobody needs its own.
	dir, err := os.MkdirTemp("", "spoc-audit-")
	g.Expect(err).NotTo(HaveOccurred())
	t.Cleanup(func() { os.RemoveAll(dir) })
	g.Expect(os.Chmod(dir, 0o777)).To(Succeed())
	profile := writeProfile(t, dir, "no-mkdir.yaml", noMkdir)
	marker := filepath.Join(dir, "ran")
	touch := []string{"sh", "-c", "echo > " + marker}
	audit := append([]string{spocBin, "run", "--audit", "-p", profile}, touch...)

	netns := "network namespace"
	var uts unix.Utsname
	g.Expect(unix.Uname(&uts)).To(Succeed())
	if _, certain := auditnetlink.NetNSIsInitial(0, unix.ByteSliceToString(uts.Release[:])); !certain {
		netns = "cannot verify" // only a warning: the command runs
	}
	nobody := &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	cases := []struct {
		name string
		attr *syscall.SysProcAttr
		argv []string
		want string
	}{
		{"no CAP_AUDIT_READ", nobody, audit, "needs CAP_AUDIT_READ"},
		// Once the login uid is set, changing it needs CAP_AUDIT_CONTROL.
		{"no CAP_AUDIT_CONTROL", nil, []string{"sh", "-c", `echo 0 > /proc/self/loginuid && exec "$@"`, "sh",
			setpriv, "--bounding-set=-audit_control", "--"}, "needs CAP_AUDIT_CONTROL"},
		{"other network namespace", nil, append([]string{unshare, "--net", "--"}, audit...), netns},
	}
	cases[1].argv = append(cases[1].argv, audit...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			_ = os.Remove(marker)
			res := execute(t, c.attr, c.argv[0], c.argv[1:]...)
			if c.want == "cannot verify" {
				g.Expect(res.stderr).To(ContainSubstring(c.want))
				return
			}
			g.Expect(res.code).To(Equal(125), res.stderr)
			lines := errorLines(res.stderr)
			g.Expect(lines).To(HaveLen(1), res.stderr)
			g.Expect(lines[0]).To(ContainSubstring(c.want))
			g.Expect(marker).NotTo(BeAnExistingFile(), "the command did not run")
		})
	}
}
