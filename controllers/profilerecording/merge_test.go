package profilerecording

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/securityprofiles/operator/apis/keys"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
)

type rule = seccompprofilev1beta1.Syscall

func allow(names ...string) rule {
	r := rule{Action: seccompprofilev1beta1.ActionAllow}
	for _, n := range names {
		r.Names = append(r.Names, seccompprofilev1beta1.SyscallName(n))
	}
	return r
}

// partial is a partial profile of recording "rec" as the daemon writes it.
func partial(container, suffix, base string, rules ...rule) seccompprofilev1beta1.SeccompProfile {
	return seccompprofilev1beta1.SeccompProfile{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "rec-" + container + "-" + suffix, Labels: map[string]string{
			keys.RecordingIDLabel: "rec", keys.PartialLabel: "true", keys.ContainerIDLabel: container,
			keys.ProfileIDLabel: "SeccompProfile-rec-" + container + "-" + suffix,
		}},
		Spec: seccompprofilev1beta1.SeccompProfileSpec{
			DefaultAction: seccompprofilev1beta1.ActionErrno, BaseProfileName: base,
			Architectures: []seccompprofilev1beta1.Arch{"SCMP_ARCH_X86_64"}, Syscalls: rules,
		},
	}
}

// merged is the profile Plan should produce for container.
func merged(container, base string, arches []seccompprofilev1beta1.Arch, rules ...rule) seccompprofilev1beta1.SeccompProfile {
	return seccompprofilev1beta1.SeccompProfile{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "rec-" + container, Labels: map[string]string{keys.RecordingIDLabel: "rec"}},
		Spec: seccompprofilev1beta1.SeccompProfileSpec{
			DefaultAction: seccompprofilev1beta1.ActionErrno, BaseProfileName: base, Architectures: arches, Syscalls: rules,
		},
	}
}

var (
	x86 = []seccompprofilev1beta1.Arch{"SCMP_ARCH_X86_64"}
	// An argument-restricted rule is kept exactly, apart from the plain
	// allow rule, and an errno rule keeps its errno.
	ioctl = rule{Action: seccompprofilev1beta1.ActionAllow, Names: []seccompprofilev1beta1.SyscallName{"ioctl"},
		Args: []seccompprofilev1beta1.Arg{{Index: 1, Value: 0x5401, Op: "SCMP_CMP_EQ"}}}
	eperm = rule{Action: seccompprofilev1beta1.ActionErrno, ErrnoRet: ptr.To(intstr.FromInt32(1)), Names: []seccompprofilev1beta1.SyscallName{"ptrace"}}
)

func withArch(p seccompprofilev1beta1.SeccompProfile, a seccompprofilev1beta1.Arch) seccompprofilev1beta1.SeccompProfile {
	p.Spec.Architectures = append(p.Spec.Architectures, a)
	return p
}

func withDefault(p seccompprofilev1beta1.SeccompProfile, a seccompprofilev1beta1.Action) seccompprofilev1beta1.SeccompProfile {
	p.Spec.DefaultAction = a
	return p
}

func withoutContainer(p seccompprofilev1beta1.SeccompProfile) seccompprofilev1beta1.SeccompProfile {
	delete(p.Labels, keys.ContainerIDLabel)
	return p
}

type planCase struct {
	name     string
	partials []seccompprofilev1beta1.SeccompProfile
	want     []seccompprofilev1beta1.SeccompProfile
	err      string
}

var planCases = []planCase{
	{name: "nothing to merge"},
	{
		name: "three replicas, one ran mknod (the manual's scenario)",
		partials: []seccompprofilev1beta1.SeccompProfile{
			partial("nginx-record", "lclnb", "runc-v1.1.4", allow("read", "write", "openat")),
			partial("nginx-record", "gmbrj", "runc-v1.1.4", allow("read", "write", "openat", "mknod")),
			partial("nginx-record", "wdv2r", "runc-v1.1.4", allow("write", "read", "close")),
		},
		want: []seccompprofilev1beta1.SeccompProfile{
			merged("nginx-record", "runc-v1.1.4", x86, allow("close", "mknod", "openat", "read", "write")),
		},
	},
	{
		name: "two containers, listed interleaved",
		partials: []seccompprofilev1beta1.SeccompProfile{
			partial("web", "b", "", allow("accept4")),
			partial("sidecar", "a", "", allow("nanosleep")),
			partial("web", "a", "", allow("listen")),
		},
		want: []seccompprofilev1beta1.SeccompProfile{
			merged("sidecar", "", x86, allow("nanosleep")),
			merged("web", "", x86, allow("accept4", "listen")),
		},
	},
	{
		name: "args and errno kept exactly, architectures unioned",
		partials: []seccompprofilev1beta1.SeccompProfile{
			partial("c", "a", "", allow("read"), ioctl),
			withArch(partial("c", "b", "", allow("write"), eperm), "SCMP_ARCH_AARCH64"),
		},
		want: []seccompprofilev1beta1.SeccompProfile{
			merged("c", "", []seccompprofilev1beta1.Arch{"SCMP_ARCH_AARCH64", "SCMP_ARCH_X86_64"}, allow("read", "write"), ioctl, eperm),
		},
	},
	{
		name: "different default actions",
		partials: []seccompprofilev1beta1.SeccompProfile{
			partial("c", "a", "", allow("read")),
			withDefault(partial("c", "b", "", allow("read")), seccompprofilev1beta1.ActionLog),
		},
		err: "default action",
	},
	{
		name: "different base profiles",
		partials: []seccompprofilev1beta1.SeccompProfile{
			partial("c", "a", "runc-v1.1.4", allow("read")),
			partial("c", "b", "crun-v1.8.4", allow("read")),
		},
		err: `rec-c-a and rec-c-b of container c have different base profiles "runc-v1.1.4" and "crun-v1.8.4"`,
	},
	{
		name:     "no container label",
		partials: []seccompprofilev1beta1.SeccompProfile{withoutContainer(partial("nginx", "x", ""))},
		err:      "rec-nginx-x has no spo.x-k8s.io/container-id label",
	},
	{
		name:     "invalid partial",
		partials: []seccompprofilev1beta1.SeccompProfile{partial("c", "a", "", rule{Action: "SCMP_ACT_NOPE", Names: []seccompprofilev1beta1.SyscallName{"read"}})},
		err:      "partial profile rec-c-a",
	},
}

func TestPlan(t *testing.T) {
	for _, tc := range planCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Plan("ns", "rec", tc.partials)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got error %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !equality.Semantic.DeepEqual(got, tc.want) {
				g, _ := yaml.Marshal(got)
				w, _ := yaml.Marshal(tc.want)
				t.Errorf("got\n%s\nwant\n%s", g, w)
			}
		})
	}
}

// TestPlanIsOrderIndependent checks that any listing order gives the same
// merged spec, so a second pass never rewrites the profile.
func TestPlanIsOrderIndependent(t *testing.T) {
	a := partial("c", "a", "", allow("read"), rule{Action: seccompprofilev1beta1.ActionErrno, Names: []seccompprofilev1beta1.SyscallName{"mount"}})
	b := partial("c", "b", "", rule{Action: seccompprofilev1beta1.ActionLog, Names: []seccompprofilev1beta1.SyscallName{"mknod"}}, allow("write"))
	first, err := Plan("ns", "rec", []seccompprofilev1beta1.SeccompProfile{a, b})
	if err != nil {
		t.Fatal(err)
	}
	second, err := Plan("ns", "rec", []seccompprofilev1beta1.SeccompProfile{b, a})
	if err != nil {
		t.Fatal(err)
	}
	if !equality.Semantic.DeepEqual(first, second) {
		t.Errorf("order changed the result:\n%+v\n%+v", first, second)
	}
	if a.Labels[keys.PartialLabel] != "true" || a.Spec.BaseProfileName != "" {
		t.Errorf("Plan changed its input: %+v", a)
	}
}
