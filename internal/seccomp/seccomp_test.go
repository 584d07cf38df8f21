package seccomp

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/util/validation"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

func errno(v uint) *uint { return &v }

// golden compares got with testdata/name.golden, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

var goldenProfiles = map[string]Profile{
	"recorded": AllowList([]string{"write", "read", "execve", "read", "exit_group"}, []string{"SCMP_ARCH_X86_64"}),
	"rules": {
		DefaultAction:   "SCMP_ACT_ERRNO",
		DefaultErrnoRet: errno(38),
		Architectures:   []string{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X86"},
		Flags:           []string{"SECCOMP_FILTER_FLAG_LOG"},
		Syscalls: []Syscall{
			{Names: []string{"openat", "close"}, Action: "SCMP_ACT_ALLOW"},
			{Names: []string{"personality"}, Action: "SCMP_ACT_ALLOW", Args: []Arg{{Index: 0, Value: 8, Op: "SCMP_CMP_EQ"}}},
			{Names: []string{"chmod"}, Action: "SCMP_ACT_ERRNO", ErrnoRet: errno(13)},
			{Names: []string{"read", "close"}, Action: "SCMP_ACT_ALLOW"},
		},
	},
	"notify": {
		DefaultAction:    "SCMP_ACT_ALLOW",
		Flags:            []string{"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"},
		ListenerPath:     "/var/run/security-profiles-operator/agent.sock",
		ListenerMetadata: "opaque data",
		Syscalls:         []Syscall{{Names: []string{"mkdir"}, Action: "SCMP_ACT_NOTIFY"}},
	},
}

// TestErrnoAsIntegerOrString decodes errnoRet and defaultErrnoRet written
// as integers, as users write them today, and as strings, as the
// seed-era schema declared them: both give the same profile.
func TestErrnoAsIntegerOrString(t *testing.T) {
	g := NewWithT(t)
	const crd = `apiVersion: security-profiles-operator.x-k8s.io/v1beta1
kind: SeccompProfile
metadata:
  name: errno
spec:
  defaultAction: SCMP_ACT_ERRNO
  defaultErrnoRet: %s
  syscalls:
  - action: SCMP_ACT_ERRNO
    errnoRet: %s
    names: [mkdir]
`
	want := Profile{DefaultAction: "SCMP_ACT_ERRNO", DefaultErrnoRet: errno(1),
		Syscalls: []Syscall{{Names: []string{"mkdir"}, Action: "SCMP_ACT_ERRNO", ErrnoRet: errno(38)}}}
	for _, v := range [][2]string{{"1", "38"}, {`"1"`, `"38"`}} {
		_, p, err := DecodeCRD([]byte(fmt.Sprintf(crd, v[0], v[1])))
		g.Expect(err).NotTo(HaveOccurred(), v[1])
		g.Expect(p).To(Equal(want), v[1])
	}
	_, _, err := DecodeCRD([]byte(fmt.Sprintf(crd, "1", `"ENOSYS"`)))
	g.Expect(err).To(MatchError(ContainSubstring(`errno "ENOSYS" is not a number`)))
}

func TestEncodeGolden(t *testing.T) {
	for name, p := range goldenProfiles {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			js, err := EncodeOCI(p)
			g.Expect(err).NotTo(HaveOccurred())
			golden(t, name+".json", js)
			y, err := EncodeCRD("my-profile", p)
			g.Expect(err).NotTo(HaveOccurred())
			golden(t, name+".yaml", y)

			// Both encodings decode to the normalised profile.
			for _, data := range [][]byte{js, y} {
				back, _, err := Decode(data)
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(back).To(Equal(Normalize(p)))
			}
		})
	}
}

func TestDecode(t *testing.T) {
	cases := []struct {
		name, in   string
		wantFormat Format
		wantErr    string
	}{
		{"oci", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"}]}`, FormatOCI, ""},
		{"crd json", `{"apiVersion":"security-profiles-operator.x-k8s.io/v1beta1","kind":"SeccompProfile","metadata":{"name":"x"},"spec":{"defaultAction":"SCMP_ACT_LOG"}}`, FormatCRD, ""},
		{"crd yaml", "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata: {name: x}\nspec:\n  defaultAction: SCMP_ACT_ALLOW\n", FormatCRD, ""},
		{"empty", "", "", "empty document"},
		{"bad yaml", "spec: [\n", "", "parse profile"},
		{"list", "- a\n", "", "not an object"},
		{"unknown field", `{"defaultAction":"SCMP_ACT_ERRNO","bogus":1}`, "", "unknown field"},
		{"bad action", `{"defaultAction":"SCMP_ACT_NOTIFY_ME"}`, "", `unsupported action "SCMP_ACT_NOTIFY_ME"`},
		{"notify without listener", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_NOTIFY"}]}`, "", `SCMP_ACT_NOTIFY needs a listenerPath`},
		{"bad name", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["Read"],"action":"SCMP_ACT_ALLOW"}]}`, "", "not a syscall name"},
		{"no names", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":[],"action":"SCMP_ACT_ALLOW"}]}`, "", "must not be empty"},
		{"bad index", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":6,"value":0,"op":"SCMP_CMP_EQ"}]}]}`, "", "index 6"},
		{"bad op", `{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":0,"op":"EQ"}]}]}`, "", "unknown operator"},
		{"bad flag", `{"defaultAction":"SCMP_ACT_ERRNO","flags":["X"]}`, "", "unknown seccomp flag"},
		{"trailing", `{"defaultAction":"SCMP_ACT_ERRNO"} {}`, "", "parse profile"},
		{"wrong kind", "apiVersion: v1\nkind: ConfigMap\n", "", "want security-profiles-operator.x-k8s.io/v1beta1 SeccompProfile"},
		{"crd base", "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata: {name: x}\nspec: {defaultAction: SCMP_ACT_ERRNO, baseProfileName: runc}\n", "", "must be resolved"},
		{"crd unknown", "apiVersion: security-profiles-operator.x-k8s.io/v1beta1\nkind: SeccompProfile\nmetadata: {name: x}\nspec: {defaultAction: SCMP_ACT_ERRNO, bogus: 1}\n", "", "unknown field"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			_, format, err := Decode([]byte(c.in))
			if c.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(c.wantErr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(format).To(Equal(c.wantFormat))
		})
	}
}

func TestMerge(t *testing.T) {
	g := NewWithT(t)
	a := AllowList([]string{"read", "write"}, []string{"SCMP_ARCH_X86_64"})
	b := AllowList([]string{"openat", "read"}, []string{"SCMP_ARCH_AARCH64"})
	b.Syscalls = append(b.Syscalls, Syscall{Names: []string{"kill"}, Action: "SCMP_ACT_LOG"})
	m, err := Merge(a, b)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(m).To(Equal(Profile{
		DefaultAction: ActionErrno,
		Architectures: []string{"SCMP_ARCH_AARCH64", "SCMP_ARCH_X86_64"},
		Syscalls: []Syscall{
			{Names: []string{"openat", "read", "write"}, Action: ActionAllow},
			{Names: []string{"kill"}, Action: "SCMP_ACT_LOG"},
		},
	}))

	_, err = Merge(a, a, Profile{DefaultAction: "SCMP_ACT_LOG"})
	g.Expect(err).To(MatchError("merge: profile 2 has default action SCMP_ACT_LOG, profile 0 has SCMP_ACT_ERRNO"))
	var mismatch *DefaultActionError
	g.Expect(errors.As(err, &mismatch)).To(BeTrue())
	g.Expect(mismatch.Index).To(Equal(2))
	_, err = Merge()
	g.Expect(err).To(HaveOccurred())
}

func TestAllowsUnconditionally(t *testing.T) {
	allow := AllowList([]string{"execve"}, nil)
	narrowed := Profile{DefaultAction: ActionErrno, Syscalls: []Syscall{
		{Names: []string{"execve"}, Action: ActionAllow, Args: []Arg{{Index: 0, Value: 1, Op: "SCMP_CMP_EQ"}}},
	}}
	cases := []struct {
		name string
		p    Profile
		want bool
	}{
		{"allowed", allow, true},
		{"not named, deny default", AllowList([]string{"read"}, nil), false},
		{"not named, log default", Profile{DefaultAction: "SCMP_ACT_LOG"}, true},
		{"narrowed by args", narrowed, false},
		{"denied by a rule", Profile{DefaultAction: ActionAllow, Syscalls: []Syscall{{Names: []string{"execve"}, Action: "SCMP_ACT_KILL"}}}, false},
	}
	for _, c := range cases {
		if got := AllowsUnconditionally(c.p, "execve"); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

func TestBaseSyscallsSortedAndValid(t *testing.T) {
	g := NewWithT(t)
	base := BaseSyscalls()
	g.Expect(base).To(Equal(Union(base)), "sorted, no duplicates")
	g.Expect(base).To(ContainElement("execve"))
	g.Expect(Validate(AllowList(base, nil))).To(Succeed())
}

func TestProfileName(t *testing.T) {
	cases := map[string]string{
		"echo":          "echo",
		"/usr/bin/echo": "echo",
		"./My_App":      "my-app",
		"python3.11":    "python3-11",
		"-x-":           "x",
		"...":           "profile",
		"":              "profile",
		"日本":            "profile",
	}
	for in, want := range cases {
		if got := ProfileName(in); got != want {
			t.Errorf("ProfileName(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, p := range goldenProfiles {
		js, _ := EncodeOCI(p)
		y, _ := EncodeCRD("x", p)
		f.Add(js)
		f.Add(y)
	}
	f.Add([]byte("{}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, _, err := Decode(data)
		if err != nil {
			return
		}
		// Whatever decodes re-encodes, and decodes to the same profile.
		js, err := EncodeOCI(p)
		if err != nil {
			t.Fatalf("decoded profile does not encode: %v", err)
		}
		back, err := DecodeOCI(js)
		if err != nil {
			t.Fatalf("encoded profile does not decode: %v\n%s", err, js)
		}
		if again, _ := EncodeOCI(back); string(again) != string(js) {
			t.Fatalf("encoding is not stable:\n%s\n%s", js, again)
		}
	})
}

func FuzzProfileName(f *testing.F) {
	for _, s := range []string{"echo", "/a/B_c", "..", "x.y-", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, command string) {
		name := ProfileName(command)
		if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
			t.Fatalf("ProfileName(%q) = %q: %v", command, name, errs)
		}
	})
}
