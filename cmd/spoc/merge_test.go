package main_test

import (
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/securityprofiles/operator/internal/seccomp"
)

const (
	crdA = `apiVersion: security-profiles-operator.x-k8s.io/v1beta1
kind: SeccompProfile
metadata:
  name: app
spec:
  defaultAction: SCMP_ACT_ERRNO
  architectures: [SCMP_ARCH_X86_64]
  syscalls:
  - action: SCMP_ACT_ALLOW
    names: [read, write, execve]
  - action: SCMP_ACT_ALLOW
    names: [personality]
    args:
    - {index: 0, value: 8, op: SCMP_CMP_EQ}
`
	crdB = `apiVersion: security-profiles-operator.x-k8s.io/v1beta1
kind: SeccompProfile
metadata:
  name: app-partial
spec:
  defaultAction: SCMP_ACT_ERRNO
  architectures: [SCMP_ARCH_X86_64]
  syscalls:
  - action: SCMP_ACT_ALLOW
    names: [openat, read, close]
  - action: SCMP_ACT_ALLOW
    names: [uname]
    args:
    - {index: 0, value: 8, op: SCMP_CMP_EQ}
  - action: SCMP_ACT_LOG
    names: [kill]
`
	ociLog = `{"defaultAction":"SCMP_ACT_LOG","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}`
)

func TestMergeUnitesRules(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	a, b := writeProfile(t, dir, "a.yaml", crdA), writeProfile(t, dir, "b.yaml", crdB)
	out := filepath.Join(dir, "out.yaml")

	// Flags may follow the profiles, as upstream users type them.
	res := spoc(t, "merge", a, b, "-o", out)
	g.Expect(res.code).To(Equal(0), res.stderr)
	data, err := os.ReadFile(out)
	g.Expect(err).NotTo(HaveOccurred())
	name, p, err := seccomp.DecodeCRD(data)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(name).To(Equal("app"), "the first profile's name")
	eq8 := []seccomp.Arg{{Index: 0, Value: 8, Op: "SCMP_CMP_EQ"}}
	g.Expect(p).To(Equal(seccomp.Profile{
		DefaultAction: "SCMP_ACT_ERRNO",
		Architectures: []string{"SCMP_ARCH_X86_64"},
		Syscalls: []seccomp.Syscall{
			{Names: []string{"close", "execve", "openat", "read", "write"}, Action: "SCMP_ACT_ALLOW"},
			{Names: []string{"personality", "uname"}, Action: "SCMP_ACT_ALLOW", Args: eq8},
			{Names: []string{"kill"}, Action: "SCMP_ACT_LOG"},
		},
	}))

	// -t chooses the format; an OCI first profile gives OCI JSON.
	for _, args := range [][]string{{"m", "-t", "raw-seccomp", "-o", "-", a, b}, {"merge", "-o", "-", writeProfile(t, dir, "a.json", mustOCI(g, data)), b}} {
		res := spoc(t, args...)
		g.Expect(res.code).To(Equal(0), res.stderr)
		q, format, err := seccomp.Decode([]byte(res.stdout))
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(format).To(Equal(seccomp.FormatOCI), "%v", args)
		g.Expect(q).To(Equal(p), "%v", args)
	}
}

func mustOCI(g *WithT, crd []byte) string {
	_, p, err := seccomp.DecodeCRD(crd)
	g.Expect(err).NotTo(HaveOccurred())
	js, err := seccomp.EncodeOCI(p)
	g.Expect(err).NotTo(HaveOccurred())
	return string(js)
}

func TestMergeConflictingDefaultActions(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	a, b, c := writeProfile(t, dir, "a.yaml", crdA), writeProfile(t, dir, "b.yaml", crdB), writeProfile(t, dir, "c.json", ociLog)
	out := filepath.Join(dir, "out.yaml")

	res := spoc(t, "merge", "-o", out, a, b, c)
	g.Expect(res.code).To(Equal(125))
	g.Expect(errorLines(res.stderr)).To(ConsistOf(
		"spoc merge: default actions differ: " + c + " has SCMP_ACT_LOG, " + a + " has SCMP_ACT_ERRNO"))
	g.Expect(out).NotTo(BeAnExistingFile())
}

func TestMergeCheck(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	a, b := writeProfile(t, dir, "a.yaml", crdA), writeProfile(t, dir, "b.yaml", crdB)
	out := filepath.Join(dir, "out.yaml")
	g.Expect(spoc(t, "merge", "-o", out, a, b).code).To(Equal(0))
	written, err := os.ReadFile(out)
	g.Expect(err).NotTo(HaveOccurred())

	upToDate := spoc(t, "merge", "-c", "-o", out, a, b)
	g.Expect(upToDate.code).To(Equal(0), upToDate.stderr)
	g.Expect(upToDate.stderr).To(BeEmpty())

	// a.yaml alone lacks what b.yaml adds.
	outdated := spoc(t, "merge", "--check", "-o", a, a, b)
	g.Expect(outdated.code).To(Equal(1))
	g.Expect(outdated.stderr).To(Equal("spoc merge: " + a + " is not the merge result: missing close, kill (SCMP_ACT_LOG), openat, uname (SCMP_ACT_ALLOW if arg0 EQ 8)\n"))

	missing := spoc(t, "merge", "-c", "-o", filepath.Join(dir, "none.yaml"), a, b)
	g.Expect(missing.code).To(Equal(1))
	g.Expect(errorLines(missing.stderr)).To(ConsistOf(ContainSubstring("none.yaml is not the merge result: open")))

	g.Expect(os.ReadFile(out)).To(Equal(written), "-c writes nothing")
	g.Expect(os.ReadFile(a)).To(Equal([]byte(crdA)))
	g.Expect(filepath.Join(dir, "none.yaml")).NotTo(BeAnExistingFile())
}

func TestMergeBadInput(t *testing.T) {
	dir := t.TempDir()
	a := writeProfile(t, dir, "a.yaml", crdA)
	cases := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"one profile", []string{"merge", a}, 2, "need at least two profiles"},
		{"unknown type", []string{"merge", "-t", "apparmor", a, a}, 2, `unknown type "apparmor"`},
		{"check stdout", []string{"merge", "-c", "-o", "-", a, a}, 2, "-c compares with a file"},
		{"unreadable", []string{"merge", a, filepath.Join(dir, "missing.yaml")}, 125, "no such file or directory"},
		{"not a profile", []string{"merge", a, writeProfile(t, dir, "cm.yaml", "apiVersion: v1\nkind: ConfigMap\n")}, 125, "SeccompProfile"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			res := spoc(t, c.args...)
			g.Expect(res.code).To(Equal(c.wantCode), res.stderr)
			g.Expect(errorLines(res.stderr)).To(ConsistOf(ContainSubstring(c.wantErr)))
		})
	}
}
