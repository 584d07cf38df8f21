package main_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/securityprofiles/operator/internal/seccomp"
	"github.com/securityprofiles/operator/test/require"
)

// The manual's example: record chmod, drop chmod from the profile, and
// chmod fails under spoc run.
func TestRunDeniesRemovedSyscall(t *testing.T) {
	requireRecorder(t)
	g := NewWithT(t)
	dir := t.TempDir()
	target := filepath.Join(dir, "file")
	g.Expect(os.WriteFile(target, nil, 0o644)).To(Succeed())
	profile := filepath.Join(dir, "profile.yaml")

	rec := spoc(t, "record", "-o", profile, "chmod", "+x", target)
	g.Expect(rec.code).To(Equal(0), rec.stderr)
	g.Expect(os.Chmod(target, 0o644)).To(Succeed())
	ok := spoc(t, "run", "-p", profile, "chmod", "+x", target)
	g.Expect(ok.code).To(Equal(0), ok.stderr)
	g.Expect(mode(g, target)).To(Equal(os.FileMode(0o755)))

	g.Expect(os.Chmod(target, 0o644)).To(Succeed())
	data, err := os.ReadFile(profile)
	g.Expect(err).NotTo(HaveOccurred())
	_, p, err := seccomp.DecodeCRD(data)
	g.Expect(err).NotTo(HaveOccurred())
	p.Syscalls[0].Names = slices.DeleteFunc(p.Syscalls[0].Names, func(n string) bool {
		return strings.Contains(n, "chmod")
	})
	js, err := seccomp.EncodeOCI(p)
	g.Expect(err).NotTo(HaveOccurred())
	denied := filepath.Join(dir, "profile-chmod.json")
	g.Expect(os.WriteFile(denied, js, 0o644)).To(Succeed())

	res := spoc(t, "x", "-p", denied, "chmod", "+x", target)
	g.Expect(res.code).NotTo(Equal(0))
	g.Expect(res.stderr).To(ContainSubstring("Operation not permitted"))
	g.Expect(mode(g, target)).To(Equal(os.FileMode(0o644)))
}

func mode(g *WithT, path string) os.FileMode {
	fi, err := os.Stat(path)
	g.Expect(err).NotTo(HaveOccurred())
	return fi.Mode().Perm()
}

func TestRunBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	allow := func(names string) string {
		return `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":[` + names + `],"action":"SCMP_ACT_ALLOW"}]}`
	}
	cases := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"no profile", []string{"run", "true"}, 2, "missing profile"},
		{"no command", []string{"run", "-p", write("ok.json", allow(`"execve"`))}, 2, "missing command"},
		{"unreadable", []string{"run", "-p", filepath.Join(dir, "missing.json"), "true"}, 125, "no such file or directory"},
		{"bad yaml", []string{"run", "-p", write("bad.yaml", "spec: [\n"), "true"}, 125, "parse profile"},
		{"wrong kind", []string{"run", "-p", write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\n"), "true"}, 125, "SeccompProfile"},
		{"unknown syscalls", []string{"run", "-p", write("unknown.json", allow(`"execve","frobnicate","bogus"`)), "true"}, 125, "unknown syscalls for SCMP_ARCH_X86_64 (libseccomp 2.5.4): bogus, frobnicate"},
		{"unsupported action", []string{"run", "-p", write("trace.json", `{"defaultAction":"SCMP_ACT_TRACE"}`), "true"}, 125, "unsupported action SCMP_ACT_TRACE"},
		{"no execve", []string{"run", "-p", write("noexec.json", allow(`"read"`)), "true"}, 125, "does not allow execve"},
		{"unknown command", []string{"run", "-p", write("ok2.json", allow(`"execve"`)), "no-such-command-xyz"}, 125, "executable file not found"},
		{"unknown flag", []string{"run", "--bogus"}, 2, "flag provided but not defined"},
		{"audit without profile", []string{"run", "--audit", "true"}, 2, "missing profile"},
		{"apparmor type", []string{"run", "-t", "apparmor", "-p", write("ok3.json", allow(`"execve"`)), "true"}, 2, `unsupported type "apparmor": only seccomp profiles can be run`},
		{"type not the file's", []string{"run", "-t", "crd", "-p", write("ok4.json", allow(`"execve"`)), "true"}, 125, "ok4.json is raw-seccomp, not crd"},
		// Checked before anything needs privileges or runs.
		{"audit, unknown syscalls", []string{"run", "--audit", "-p", write("unknown2.json", allow(`"execve","bogus"`)), "true"}, 125, "audit copy of the profile: unknown syscalls"},
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
}

func TestHelpAndVersion(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"help"}, {"h", "record"}, {"record", "--help"}, {"r", "-h"}, {"run", "--help"}, {"x", "-h"}, {"merge", "--help"}, {"m", "-h"}, {"h", "merge"}, {"version", "--help"}} {
		res := spoc(t, args...)
		if res.code != 0 || !strings.Contains(res.stdout, "USAGE:") {
			t.Errorf("spoc %v: exit %d, stdout %q", args, res.code, res.stdout)
		}
	}
	g := NewWithT(t)
	g.Expect(spoc(t, "help").stdout).To(ContainSubstring("merge, m "))
	recordHelp := spoc(t, "record", "--help").stdout
	for _, flag := range []string{"seccomp or crd", "--no-proc-start", "--privileged         accepted for compatibility; spoc record never", "-q, --quiet"} {
		g.Expect(recordHelp).To(ContainSubstring(flag))
	}
	g.Expect(spoc(t, "run", "--help").stdout).To(ContainSubstring("-t, --type TYPE"))
	g.Expect(spoc(t, "merge", "--help").stdout).To(ContainSubstring("-c, --check"))
	for _, alias := range []string{"version", "v"} {
		res := spoc(t, alias)
		g.Expect(res.code).To(Equal(0))
		for _, key := range []string{"Version:", "GitCommit:", "BuildDate:", "GoVersion:", "BuildTags:"} {
			g.Expect(res.stdout).To(ContainSubstring(key))
		}
		g.Expect(res.stdout).To(MatchRegexp(`Libseccomp: +2\.\d+\.\d+`))
		g.Expect(res.stdout).To(MatchRegexp(`Libbpf: +v1\.\d+`))
	}
	res := spoc(t, "frobnicate")
	g.Expect(res.code).To(Equal(2))
	g.Expect(res.stderr).To(ContainSubstring(`unknown command "frobnicate"`))
}

func TestNoBPFBuildSaysSo(t *testing.T) {
	g := NewWithT(t)
	out := filepath.Join(t.TempDir(), "p.yaml")
	res := execute(t, nil, noBPFBin, "record", "-o", out, "true")
	g.Expect(res.code).To(Equal(125))
	g.Expect(errorLines(res.stderr)).To(ConsistOf(ContainSubstring("built without eBPF")))
	g.Expect(out).NotTo(BeAnExistingFile())

	version := execute(t, nil, noBPFBin, "version")
	g.Expect(version.stdout).To(MatchRegexp(`BuildTags: +no_bpf`))
	g.Expect(version.stdout).To(MatchRegexp(`Libbpf: +none \(built without eBPF\)`))
}

// Upstream users pass -t seccomp to spoc run; our format names work too
// when they match the file.
func TestRunTypes(t *testing.T) {
	require.Seccomp(t)
	dir := t.TempDir()
	oci := writeProfile(t, dir, "allow.json", `{"defaultAction":"SCMP_ACT_ALLOW"}`)
	crd := writeProfile(t, dir, "allow.yaml", "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata: {name: allow}\nspec: {defaultAction: SCMP_ACT_ALLOW}\n")
	for _, args := range [][]string{{"-t", "seccomp", "-p", oci}, {"-t", "seccomp", "-p", crd}, {"-t", "raw-seccomp", "-p", oci}, {"--type", "crd", "-p", crd}} {
		res := spoc(t, append(append([]string{"run"}, args...), "sh", "-c", "echo ok")...)
		if res.code != 0 || res.stdout != "ok\n" {
			t.Errorf("spoc run %v: exit %d, stdout %q, stderr %s", args, res.code, res.stdout, res.stderr)
		}
	}
}
