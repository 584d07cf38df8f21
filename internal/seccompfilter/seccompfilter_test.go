package seccompfilter

import (
	"testing"

	. "github.com/onsi/gomega"

	"github.com/securityprofiles/operator/internal/seccomp"
)

func TestNames(t *testing.T) {
	g := NewWithT(t)
	res, err := Names("SCMP_ARCH_X86_64", []uint32{59, 1, 0, 462, 458, 999})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.Names).To(Equal([]string{"execve", "listmount", "mseal", "read", "write"}))
	g.Expect(res.NotInLibseccomp).To(Equal([]string{"listmount", "mseal"}))
	g.Expect(res.Unknown).To(Equal([]uint32{999}))

	_, err = Names("x86_64", nil)
	g.Expect(err).To(MatchError(ContainSubstring(`unknown architecture "x86_64"`)))
}

func TestNativeArchAndVersion(t *testing.T) {
	g := NewWithT(t)
	arch, err := NativeArch()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(arch).To(HavePrefix("SCMP_ARCH_"))
	g.Expect(LibraryVersion()).To(MatchRegexp(`^2\.\d+\.\d+$`))
}

func TestUnknownNames(t *testing.T) {
	g := NewWithT(t)
	unknown, err := UnknownNames("SCMP_ARCH_X86_64", []string{"read", "mseal", "bogus", "nope", "bogus"})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(unknown).To(Equal([]string{"bogus", "nope"}))
}

func TestBuild(t *testing.T) {
	errno := uint(13)
	cases := []struct {
		name    string
		p       seccomp.Profile
		wantErr string
	}{
		{"recorded", seccomp.AllowList(seccomp.BaseSyscalls(), []string{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"}), ""},
		{"newer syscall by number", seccomp.AllowList([]string{"mseal", "read"}, nil), ""},
		{"rule repeating the default", seccomp.Profile{DefaultAction: "SCMP_ACT_ERRNO", Syscalls: []seccomp.Syscall{
			{Names: []string{"read"}, Action: "SCMP_ACT_ERRNO"},
			{Names: []string{"chmod"}, Action: "SCMP_ACT_ERRNO", ErrnoRet: &errno},
			{Names: []string{"personality"}, Action: "SCMP_ACT_ALLOW", Args: []seccomp.Arg{{Index: 0, Value: 0xff, ValueTwo: 8, Op: "SCMP_CMP_MASKED_EQ"}}},
		}}, ""},
		{"unknown names", seccomp.AllowList([]string{"read", "frobnicate", "bogus"}, nil), "unknown syscalls for SCMP_ARCH_X86_64 (libseccomp 2.5.4): bogus, frobnicate"},
		{"trace", seccomp.Profile{DefaultAction: "SCMP_ACT_TRACE"}, "SCMP_ACT_TRACE"},
		{"invalid", seccomp.Profile{DefaultAction: "SCMP_ACT_FOO"}, "unsupported action"},
		{"notify without listener", seccomp.Profile{DefaultAction: "SCMP_ACT_NOTIFY"}, "needs a listenerPath"},
		{"notify", seccomp.Profile{
			DefaultAction: "SCMP_ACT_NOTIFY", ListenerPath: "/var/run/security-profiles-operator/agent.sock",
			Flags:    []string{"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"},
			Syscalls: []seccomp.Syscall{{Names: []string{"read"}, Action: "SCMP_ACT_ALLOW"}, {Names: []string{"mkdir"}, Action: "SCMP_ACT_NOTIFY"}},
		}, ""},
		{"bad arch", seccomp.AllowList([]string{"read"}, []string{"SCMP_ARCH_VAX"}), `unknown architecture "SCMP_ARCH_VAX"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			f, err := Build(c.p)
			if c.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(c.wantErr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			f.Release()
			prog, err := compile(c.p)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(prog).NotTo(BeEmpty())
		})
	}
}

func TestExecRefusesProfileWithoutExecve(t *testing.T) {
	g := NewWithT(t)
	err := Exec(seccomp.AllowList([]string{"read", "write"}, nil), "/bin/true", []string{"true"}, nil)
	g.Expect(err).To(MatchError(ContainSubstring("does not allow execve")))
}

func TestExecRefusesNotifyProfile(t *testing.T) {
	g := NewWithT(t)
	p := seccomp.AllowList([]string{"read", "execve"}, nil)
	p.ListenerPath = "/var/run/security-profiles-operator/agent.sock"
	p.Syscalls = append(p.Syscalls, seccomp.Syscall{Names: []string{"mkdir"}, Action: "SCMP_ACT_NOTIFY"})
	err := Exec(p, "/bin/true", []string{"true"}, nil)
	g.Expect(err).To(MatchError(ContainSubstring("SCMP_ACT_NOTIFY")))
}
