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
	data, err := Encode(seccomp.AllowList([]string{"read", "write"}, []string{"SCMP_ARCH_X86_64"}), Limits{})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(data)).To(ContainSubstring(`"defaultAction": "SCMP_ACT_ERRNO"`))

	_, err = Encode(seccomp.AllowList([]string{"read", "notasyscall"}, nil), Limits{})
	g.Expect(reasonOf(err)).To(Equal(ReasonInvalid))
	g.Expect(err.Error()).To(ContainSubstring("notasyscall"))

	_, err = Encode(seccomp.AllowList([]string{"mkdir"}, nil), Limits{Syscalls: []string{"read"}})
	g.Expect(reasonOf(err)).To(Equal(ReasonNotAllowed))
	g.Expect(err.Error()).To(ContainSubstring("mkdir"))

	// A profile of ~1 MiB (many rules with arguments) is refused.
	huge := seccomp.Profile{DefaultAction: "SCMP_ACT_ERRNO"}
	for i := 0; i < 12000; i++ {
		huge.Syscalls = append(huge.Syscalls, seccomp.Syscall{Names: []string{"read"}, Action: "SCMP_ACT_ALLOW",
			Args: []seccomp.Arg{{Index: 0, Value: uint64(i), Op: "SCMP_CMP_EQ"}}})
	}
	_, err = Encode(huge, Limits{})
	g.Expect(err).To(HaveOccurred())
	g.Expect(reasonOf(err)).To(Equal(ReasonInvalid))
	g.Expect(strings.Contains(err.Error(), "bytes") || strings.Contains(err.Error(), "rule")).To(BeTrue(), err.Error())
}

func TestEncodeActionLimits(t *testing.T) {
	g := NewWithT(t)
	p := seccomp.Profile{DefaultAction: "SCMP_ACT_ERRNO", Syscalls: []seccomp.Syscall{
		{Names: []string{"read"}, Action: "SCMP_ACT_ALLOW"},
		{Names: []string{"mkdir"}, Action: "SCMP_ACT_LOG"},
	}}
	_, err := Encode(p, Limits{Actions: []string{"SCMP_ACT_ERRNO", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG"}})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = Encode(p, Limits{Actions: []string{"SCMP_ACT_ALLOW"}})
	g.Expect(reasonOf(err)).To(Equal(ReasonActionNotAllowed))
	g.Expect(err.Error()).To(HaveSuffix("SCMP_ACT_ERRNO, SCMP_ACT_LOG"))
	g.Expect(DisallowedActions(p, nil)).To(BeEmpty(), "no list allows all")
}

func TestNotifyProfile(t *testing.T) {
	g := NewWithT(t)
	s := seccompprofilev1beta1.SeccompProfileSpec{
		DefaultAction: seccompprofilev1beta1.ActionAllow,
		ListenerPath:  "/var/run/security-profiles-operator/agent.sock", ListenerMetadata: "opaque",
		Flags:    []seccompprofilev1beta1.Flag{"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"},
		Syscalls: []seccompprofilev1beta1.Syscall{{Names: []seccompprofilev1beta1.SyscallName{"mkdir"}, Action: seccompprofilev1beta1.ActionNotify}},
	}
	p, err := Resolve(s, lookupIn(nil))
	g.Expect(err).NotTo(HaveOccurred())
	data, err := Encode(p, Limits{})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(data)).To(ContainSubstring(`"listenerPath": "/var/run/security-profiles-operator/agent.sock"`))
	g.Expect(string(data)).To(ContainSubstring(`"listenerMetadata": "opaque"`))
	g.Expect(string(data)).To(ContainSubstring(`"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"`))

	// A notify listener may let calls through: allowedSyscalls limits it.
	_, err = Encode(p, Limits{Syscalls: []string{"read"}})
	g.Expect(reasonOf(err)).To(Equal(ReasonNotAllowed))

	// A profile without a listener takes its base's.
	child := spec("SCMP_ACT_ERRNO", "notifier", "read")
	p, err = Resolve(*child, lookupIn(map[string]*seccompprofilev1beta1.SeccompProfileSpec{"notifier": &s}))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(p.ListenerPath).To(Equal(s.ListenerPath))

	noListener := s
	noListener.ListenerPath = ""
	_, err = Resolve(noListener, lookupIn(nil))
	g.Expect(reasonOf(err)).To(Equal(ReasonInvalid))
	g.Expect(err.Error()).To(ContainSubstring("SCMP_ACT_NOTIFY needs a listenerPath"))
}

// TestListenerPathConfined checks the node's own check of listenerPath, for
// objects the API server's rule did not see (stored before it, or a base).
func TestListenerPathConfined(t *testing.T) {
	for path, ok := range map[string]bool{
		"": true,
		"/var/run/security-profiles-operator/agent.sock":     true,
		"/var/run/security-profiles-operator/a/b.sock":       true,
		"/var/run/security-profiles-operator/":               false,
		"/var/run/security-profiles-operator":                false,
		"/var/run/security-profiles-operator/../docker.sock": false,
		"/var/run/security-profiles-operator/a/../../x.sock": false,
		"/var/run/security-profiles-operator//a.sock":        false,
		"/var/run/security-profiles-operator/./a.sock":       false,
		"/var/run/security-profiles-operatorx/a.sock":        false,
		"var/run/security-profiles-operator/a.sock":          false,
		"/run/containerd/containerd.sock":                    false,
		"/var/run/security-profiles-operator/a\x00.sock":     false,
	} {
		s := seccompprofilev1beta1.SeccompProfileSpec{DefaultAction: seccompprofilev1beta1.ActionErrno, ListenerPath: path}
		_, err := Resolve(s, lookupIn(nil))
		if ok && err != nil || !ok && reasonOf(err) != ReasonInvalid {
			t.Errorf("listenerPath %q: got %v, want accepted %v", path, err, ok)
		}
	}
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
		if _, err := Encode(p, Limits{Syscalls: []string{"read"}}); err != nil && reasonOf(err) == "" {
			t.Fatalf("unclassified error: %v", err)
		}
	})
}
