package seccomp

import (
	"errors"
	"strings"
	"testing"

	. "github.com/onsi/gomega"

	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	"github.com/securityprofiles/operator/internal/seccomp"
)

func spec(def string, base string, names ...string) *seccompprofilev1beta1.SeccompProfileSpec {
	s := &seccompprofilev1beta1.SeccompProfileSpec{DefaultAction: seccompprofilev1beta1.Action(def), BaseProfileName: base}
	if len(names) > 0 {
		rule := seccompprofilev1beta1.Syscall{Action: seccompprofilev1beta1.ActionAllow}
		for _, n := range names {
			rule.Names = append(rule.Names, seccompprofilev1beta1.SyscallName(n))
		}
		s.Syscalls = []seccompprofilev1beta1.Syscall{rule}
	}
	return s
}

func lookupIn(profiles map[string]*seccompprofilev1beta1.SeccompProfileSpec) Lookup {
	return func(name string) (*seccompprofilev1beta1.SeccompProfileSpec, bool) {
		s, ok := profiles[name]
		return s, ok
	}
}

func reasonOf(err error) string {
	var r *RejectedError
	if errors.As(err, &r) {
		return r.Reason
	}
	return ""
}

func TestResolve(t *testing.T) {
	ns := map[string]*seccompprofilev1beta1.SeccompProfileSpec{
		"app":         spec("SCMP_ACT_ERRNO", "runc-v1.1.4", "listen"),
		"loop-a":      spec("SCMP_ACT_ERRNO", "loop-b", "read"),
		"loop-b":      spec("SCMP_ACT_ERRNO", "loop-a", "write"),
		"runc-v1.1.4": nil, // never consulted: shadowing is by lookup result
	}
	delete(ns, "runc-v1.1.4")
	for i := 0; i <= MaxBaseDepth+1; i++ {
		ns["deep-"+string(rune('a'+i))] = spec("SCMP_ACT_ERRNO", "deep-"+string(rune('a'+i+1)), "read")
	}
	for _, tc := range []struct {
		name    string
		spec    *seccompprofilev1beta1.SeccompProfileSpec
		reason  string
		message string
		has     []string
	}{
		{name: "no base", spec: spec("SCMP_ACT_LOG", ""), has: nil},
		{name: "shipped base", spec: spec("SCMP_ACT_ERRNO", "runc-v1.1.4", "exit_group"), has: []string{"exit_group", "execve", "capset"}},
		{name: "chain through the namespace", spec: spec("SCMP_ACT_ERRNO", "app", "accept4"), has: []string{"accept4", "listen", "execve"}},
		{name: "missing base", spec: spec("SCMP_ACT_ERRNO", "nope"), reason: ReasonBaseNotFound, message: `"nope"`},
		{name: "cycle", spec: spec("SCMP_ACT_ERRNO", "loop-a"), reason: ReasonInvalid, message: "cycle"},
		{name: "too deep", spec: spec("SCMP_ACT_ERRNO", "deep-a"), reason: ReasonInvalid, message: "deeper than 15"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			p, err := Resolve(*tc.spec, lookupIn(ns))
			if tc.reason != "" {
				g.Expect(reasonOf(err)).To(Equal(tc.reason), "%v", err)
				g.Expect(err.Error()).To(ContainSubstring(tc.message))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(p.DefaultAction).To(Equal(string(tc.spec.DefaultAction)))
			for _, n := range tc.has {
				g.Expect(seccomp.AllowsUnconditionally(p, n)).To(BeTrue(), n)
			}
		})
	}
}

func TestViolations(t *testing.T) {
	g := NewWithT(t)
	allowed := []string{"exit", "exit_group", "futex", "nanosleep"}
	ok := seccomp.AllowList([]string{"exit", "futex"}, nil)
	g.Expect(Violations(ok, allowed)).To(BeEmpty())
	g.Expect(Violations(ok, nil)).To(BeEmpty(), "no list allows all")
	bad := seccomp.AllowList([]string{"exit", "mkdir", "chmod"}, nil)
	g.Expect(Violations(bad, allowed)).To(Equal([]string{"chmod", "mkdir"}))
	logAll := seccomp.Profile{DefaultAction: "SCMP_ACT_LOG"}
	g.Expect(Violations(logAll, allowed)).To(Equal([]string{"defaultAction SCMP_ACT_LOG"}))
	denied := seccomp.Profile{DefaultAction: "SCMP_ACT_ALLOW", Syscalls: []seccomp.Syscall{{Names: []string{"mkdir"}, Action: "SCMP_ACT_ERRNO"}}}
	g.Expect(Violations(denied, allowed)).To(Equal([]string{"defaultAction SCMP_ACT_ALLOW"}))
}

func TestEncode(t *testing.T) {
	g := NewWithT(t)
	data, err := Encode(seccomp.AllowList([]string{"read", "write"}, []string{"SCMP_ARCH_X86_64"}), nil)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(data)).To(ContainSubstring(`"defaultAction": "SCMP_ACT_ERRNO"`))

	_, err = Encode(seccomp.AllowList([]string{"read", "notasyscall"}, nil), nil)
	g.Expect(reasonOf(err)).To(Equal(ReasonInvalid))
	g.Expect(err.Error()).To(ContainSubstring("notasyscall"))

	_, err = Encode(seccomp.AllowList([]string{"mkdir"}, nil), []string{"read"})
	g.Expect(reasonOf(err)).To(Equal(ReasonNotAllowed))
	g.Expect(err.Error()).To(ContainSubstring("mkdir"))

	// A profile of ~1 MiB (many rules with arguments) is refused.
	huge := seccomp.Profile{DefaultAction: "SCMP_ACT_ERRNO"}
	for i := 0; i < 12000; i++ {
		huge.Syscalls = append(huge.Syscalls, seccomp.Syscall{Names: []string{"read"}, Action: "SCMP_ACT_ALLOW",
			Args: []seccomp.Arg{{Index: 0, Value: uint64(i), Op: "SCMP_CMP_EQ"}}})
	}
	_, err = Encode(huge, nil)
	g.Expect(err).To(HaveOccurred())
	g.Expect(reasonOf(err)).To(Equal(ReasonInvalid))
	g.Expect(strings.Contains(err.Error(), "bytes") || strings.Contains(err.Error(), "rule")).To(BeTrue(), err.Error())
}

func TestCheckSupport(t *testing.T) {
	g := NewWithT(t)
	g.Expect(CheckSupport("/proc")).To(Succeed())
	g.Expect(CheckSupport(t.TempDir())).To(MatchError(ContainSubstring("no seccomp filter support")))
}

func FuzzResolveAndEncode(f *testing.F) {
	f.Add("SCMP_ACT_ERRNO", "runc-v1.1.4", "read", uint8(0))
	f.Add("SCMP_ACT_LOG", "", "mkdir", uint8(3))
	f.Fuzz(func(t *testing.T, def, base, name string, op uint8) {
		s := spec(def, base, name)
		if len(s.Syscalls) > 0 {
			s.Syscalls[0].Args = []seccompprofilev1beta1.Arg{{Index: int32(op % 8), Op: "SCMP_CMP_EQ"}}
		}
		p, err := Resolve(*s, lookupIn(nil))
		if err != nil {
			if reasonOf(err) == "" {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		if _, err := Encode(p, []string{"read"}); err != nil && reasonOf(err) == "" {
			t.Fatalf("unclassified error: %v", err)
		}
	})
}
