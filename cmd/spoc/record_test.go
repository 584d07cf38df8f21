package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/securityprofiles/operator/internal/seccomp"
)

// acceptance is one acceptance command.
type acceptance struct {
	argv []string
	// timing are syscalls the command makes only when it runs slowly, as
	// under strace: the Go runtime yields (sched_yield) when a spinning
	// lock stays contended, and its sysmon thread sleeps (nanosleep) once
	// the program has run long enough, both of which strace's stops make
	// likely.
	timing []string
}

// commands are the acceptance commands. Each is recorded without base
// syscalls, compared with strace -f, and replayed under its profile.
func commands(t *testing.T) map[string]acceptance {
	dir := t.TempDir()
	file := filepath.Join(dir, "x")
	return map[string]acceptance{
		"ls":        {argv: []string{"ls", "/"}},
		"sh":        {argv: []string{"sh", "-c", "echo hi > " + file + "; cat " + file}},
		"threads":   {argv: []string{threadsBin}, timing: []string{"sched_yield", "nanosleep"}},
		"exit code": {argv: []string{"sh", "-c", "echo bye; exit 7"}},
		// The subshell outlives sh, is reparented to spoc and still runs
		// mkdir after its parent exited.
		"orphan": {argv: []string{"sh", "-c", "(sleep 0.3; mkdir -p " + filepath.Join(dir, "late") + "; echo late) & echo early"}},
	}
}

func TestRecordCoversStraceAndReplays(t *testing.T) {
	requireRecorder(t)
	// Asynchronous preemption makes the Go runtime signal its threads at
	// random (tgkill, rt_sigreturn); turn it off so runs are comparable.
	env := append(os.Environ(), "GODEBUG=asyncpreemptoff=1")
	for name, c := range commands(t) {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			argv := c.argv
			bare := execute(t, nil, argv[0], argv[1:]...)
			profile := filepath.Join(t.TempDir(), "profile.json")

			rec := spocEnv(t, env, append([]string{"record", "-n", "-t", "raw-seccomp", "-o", profile, "--"}, argv...)...)
			g.Expect(rec.code).To(Equal(bare.code), rec.stderr)
			g.Expect(rec.stdout).To(Equal(bare.stdout))

			recorded := profileNames(g, profile)
			g.Expect(recorded).To(ContainElement("execve"))
			traced := slices.DeleteFunc(straceSet(t, env, argv...), func(n string) bool { return slices.Contains(c.timing, n) })
			g.Expect(recorded).To(ContainElements(traced), "recorded ⊇ strace -f")

			replay := spocEnv(t, env, append([]string{"run", "-p", profile, "--"}, argv...)...)
			g.Expect(replay.code).To(Equal(bare.code), replay.stderr)
			g.Expect(replay.stdout).To(Equal(bare.stdout))
		})
	}
}

func spocEnv(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(spocBin, args...)
	cmd.Env = env
	return runCmd(t, cmd)
}

func TestRecordWritesCRDByDefault(t *testing.T) {
	requireRecorder(t)
	g := NewWithT(t)
	out := filepath.Join(t.TempDir(), "p.yaml")
	res := spoc(t, "record", "-o", out, "/bin/true")
	g.Expect(res.code).To(Equal(0), res.stderr)
	g.Expect(res.stderr).To(ContainSubstring("Wrote seccomp profile to: " + out))

	data, err := os.ReadFile(out)
	g.Expect(err).NotTo(HaveOccurred())
	name, p, err := seccomp.DecodeCRD(data)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(name).To(Equal("true"))
	g.Expect(p.DefaultAction).To(Equal("SCMP_ACT_ERRNO"))
	g.Expect(p.Architectures).To(Equal([]string{"SCMP_ARCH_X86_64"}))
	g.Expect(p.Syscalls[0].Names).To(ContainElements(seccomp.BaseSyscalls()))
}

func TestRecordBaseSyscallOptions(t *testing.T) {
	requireRecorder(t)
	g := NewWithT(t)
	custom := spoc(t, "r", "-t", "raw-seccomp", "-b", "uname,sysinfo", "-o", "-", "/bin/true")
	g.Expect(custom.code).To(Equal(0), custom.stderr)
	p, format, err := seccomp.Decode([]byte(custom.stdout))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(format).To(Equal(seccomp.FormatOCI))
	g.Expect(p.Syscalls[0].Names).To(ContainElements("uname", "sysinfo", "execve"))
	g.Expect(p.Syscalls[0].Names).NotTo(ContainElement("capset"), "custom base replaces the default one")
}
