package seccomp

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/yaml"

	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	"github.com/securityprofiles/operator/internal/baseprofiles"
	"github.com/securityprofiles/operator/test/require"
	"github.com/securityprofiles/operator/test/runc"
)

var straceLine = regexp.MustCompile(`^(?:\d+\s+)?([a-z0-9_]+)\(`)

// appSyscalls asks strace which syscalls busybox makes for args on the host:
// the application's own part of a container profile.
func appSyscalls(t *testing.T, args ...string) []string {
	strace := require.Command(t, "strace")
	busybox := require.Command(t, "busybox")
	out := filepath.Join(t.TempDir(), "trace")
	cmd := exec.Command(strace, append([]string{"-f", "-qq", "-o", out, busybox}, args...)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("strace: %v: %s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, line := range regexp.MustCompile("\n").Split(string(data), -1) {
		if m := straceLine.FindStringSubmatch(line); m != nil {
			names = append(names, m[1])
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// TestInstalledProfileConfinesRuncContainer writes profiles the way the
// daemon does (resolve, encode, atomic store) and runs busybox mkdir in a
// real runc container under the file the kubelet would read.
func TestInstalledProfileConfinesRuncContainer(t *testing.T) {
	bundle := runc.NewBundle(t)
	// Trace on the host in a scratch dir; the container has its own /tmp.
	app := appSyscalls(t, "mkdir", filepath.Join(t.TempDir(), "d"))
	target := "/tmp/d"
	g := NewWithT(t)
	g.Expect(app).To(ContainElement(MatchRegexp("^mkdir(at)?$")))
	runcBase, _ := baseprofiles.Get("runc-v1.1.4")
	var written []string
	for _, n := range runcBase.Syscalls[0].Names {
		written = append(written, string(n))
	}

	kubelet := t.TempDir()
	store, err := OpenStore(t.TempDir(), kubelet)
	g.Expect(err).NotTo(HaveOccurred())
	defer store.Close()

	for i, tc := range []struct {
		name  string
		base  string
		names []string
	}{
		{name: "written out", names: append(slices.Clone(written), app...)},
		{name: "on baseProfileName runc-v1.1.4", base: "runc-v1.1.4", names: app},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			install := func(names []string) []byte {
				spec := seccompprofilev1beta1.SeccompProfileSpec{DefaultAction: seccompprofilev1beta1.ActionErrno, BaseProfileName: tc.base}
				rule := seccompprofilev1beta1.Syscall{Action: seccompprofilev1beta1.ActionAllow}
				for _, n := range names {
					rule.Names = append(rule.Names, seccompprofilev1beta1.SyscallName(n))
				}
				spec.Syscalls = []seccompprofilev1beta1.Syscall{rule}
				p, err := Resolve(spec, func(string) (*seccompprofilev1beta1.SeccompProfileSpec, bool) { return nil, false })
				g.Expect(err).NotTo(HaveOccurred())
				data, err := Encode(p, Limits{})
				g.Expect(err).NotTo(HaveOccurred())
				_, err = store.Write("my-namespace", "profile1", data)
				g.Expect(err).NotTo(HaveOccurred())
				onNode, err := os.ReadFile(filepath.Join(kubelet, "seccomp", "operator", "my-namespace", "profile1.json"))
				g.Expect(err).NotTo(HaveOccurred())
				return onNode
			}

			dir := target + "-" + string(rune('a'+i))
			ok := bundle.Run(t, install(tc.names), "mkdir", dir)
			g.Expect(ok.Code).To(Equal(0), ok.Stderr)

			denied := slices.DeleteFunc(slices.Clone(tc.names), func(n string) bool { return n == "mkdir" || n == "mkdirat" })
			res := bundle.Run(t, install(denied), "mkdir", dir+"-denied")
			g.Expect(res.Code).NotTo(Equal(0))
			g.Expect(res.Stderr).To(ContainSubstring("Operation not permitted"))
		})
	}
}

// TestStringErrnoRetInRuncContainer installs a profile written the way
// seed-era manifests wrote errnoRet, as a string, and checks that a runc
// container's denied call fails with exactly that errno.
func TestStringErrnoRetInRuncContainer(t *testing.T) {
	bundle := runc.NewBundle(t)
	g := NewWithT(t)
	const manifest = `apiVersion: security-profiles-operator.x-k8s.io/v1beta1
kind: SeccompProfile
metadata:
  name: errno-string
spec:
  defaultAction: SCMP_ACT_ALLOW
  syscalls:
  - action: SCMP_ACT_ERRNO
    errnoRet: "38"
    names: [mkdir, mkdirat]
`
	var sp seccompprofilev1beta1.SeccompProfile
	g.Expect(yaml.UnmarshalStrict([]byte(manifest), &sp)).To(Succeed())
	p, err := Resolve(sp.Spec, func(string) (*seccompprofilev1beta1.SeccompProfileSpec, bool) { return nil, false })
	g.Expect(err).NotTo(HaveOccurred())
	data, err := Encode(p, Limits{})
	g.Expect(err).NotTo(HaveOccurred())
	kubelet := t.TempDir()
	store, err := OpenStore(t.TempDir(), kubelet)
	g.Expect(err).NotTo(HaveOccurred())
	defer store.Close()
	_, err = store.Write("my-namespace", "errno-string", data)
	g.Expect(err).NotTo(HaveOccurred())
	onNode, err := os.ReadFile(filepath.Join(kubelet, "seccomp", "operator", "my-namespace", "errno-string.json"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(string(onNode)).To(ContainSubstring(`"errnoRet": 38`))

	res := bundle.Run(t, onNode, "mkdir", "/tmp/denied")
	g.Expect(res.Code).NotTo(Equal(0))
	g.Expect(res.Stderr).To(ContainSubstring("Function not implemented"), "ENOSYS is errno 38")
}
