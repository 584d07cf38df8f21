package seccompprofile_test

import (
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	"github.com/securityprofiles/operator/internal/seccomp"
)

// unstructuredProfile is a SeccompProfile as a user's manifest writes it,
// so fields can take shapes the Go types would normalise.
func unstructuredProfile(ns, name string, spec map[string]any) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{"spec": spec}}
	u.SetGroupVersionKind(seccompprofilev1beta1.GroupVersion.WithKind("SeccompProfile"))
	u.SetNamespace(ns)
	u.SetName(name)
	return u
}

var _ = Describe("Manifests written for the upstream operator", func() {
	It("installs a SCMP_ACT_NOTIFY profile with its listener in every node's file", func() {
		ns := newNamespace(ctx())
		sp := newProfile(ns, "notify", seccompprofilev1beta1.ActionAllow, "")
		sp.Spec.ListenerPath = "/var/run/security-profiles-operator/agent.sock"
		sp.Spec.ListenerMetadata = "agent=demo"
		sp.Spec.Flags = []seccompprofilev1beta1.Flag{"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"}
		sp.Spec.Syscalls = []seccompprofilev1beta1.Syscall{{Action: seccompprofilev1beta1.ActionNotify, Names: []seccompprofilev1beta1.SyscallName{"mkdir"}}}
		Expect(env.Client.Create(ctx(), sp)).To(Succeed())
		Eventually(state(sp), timeout).Should(Equal(profilebasev1alpha1.StateInstalled))
		for _, n := range nodes {
			data, err := fileOn(n, sp)()
			Expect(err).NotTo(HaveOccurred(), n.name)
			p, err := seccomp.DecodeOCI(data)
			Expect(err).NotTo(HaveOccurred(), n.name)
			Expect(p).To(Equal(seccomp.Profile{
				DefaultAction:    "SCMP_ACT_ALLOW",
				Flags:            []string{"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"},
				ListenerPath:     "/var/run/security-profiles-operator/agent.sock",
				ListenerMetadata: "agent=demo",
				Syscalls:         []seccomp.Syscall{{Names: []string{"mkdir"}, Action: "SCMP_ACT_NOTIFY"}},
			}), n.name)
		}
	})

	It("refuses a listenerPath outside /var/run/security-profiles-operator/ and SCMP_ACT_NOTIFY without one", func() {
		ns := newNamespace(ctx())
		for _, path := range []string{
			"/run/containerd/containerd.sock",
			"/var/run/security-profiles-operator/../docker.sock",
			"/var/run/security-profiles-operator/",
			"relative/agent.sock",
		} {
			sp := newProfile(ns, "listener", seccompprofilev1beta1.ActionAllow, "")
			sp.Spec.ListenerPath = path
			sp.Spec.Syscalls = []seccompprofilev1beta1.Syscall{{Action: seccompprofilev1beta1.ActionNotify, Names: []seccompprofilev1beta1.SyscallName{"mkdir"}}}
			err := env.Client.Create(ctx(), sp)
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), "%s: %v", path, err)
			Expect(err.Error()).To(ContainSubstring("spec.listenerPath: Invalid value"), path)
		}
		for _, def := range []seccompprofilev1beta1.Action{seccompprofilev1beta1.ActionNotify, seccompprofilev1beta1.ActionErrno} {
			sp := newProfile(ns, "no-listener", def, "")
			sp.Spec.Syscalls = []seccompprofilev1beta1.Syscall{{Action: seccompprofilev1beta1.ActionNotify, Names: []seccompprofilev1beta1.SyscallName{"mkdir"}}}
			err := env.Client.Create(ctx(), sp)
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), "%v", err)
			Expect(err.Error()).To(ContainSubstring("SCMP_ACT_NOTIFY needs a listenerPath"))
		}
	})

	It("reads errnoRet and defaultErrnoRet given as integers or as strings the same way", func() {
		ns := newNamespace(ctx())
		spec := func(def, rule any) map[string]any {
			return map[string]any{
				"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": def,
				"syscalls": []any{
					map[string]any{"action": "SCMP_ACT_ALLOW", "names": []any{"read"}},
					map[string]any{"action": "SCMP_ACT_ERRNO", "errnoRet": rule, "names": []any{"mkdir"}},
				},
			}
		}
		asInt := unstructuredProfile(ns, "errno-int", spec(int64(1), int64(38)))
		asString := unstructuredProfile(ns, "errno-string", spec("1", "38"))
		Expect(env.Client.Create(ctx(), asInt)).To(Succeed())
		Expect(env.Client.Create(ctx(), asString)).To(Succeed())

		typed := &seccompprofilev1beta1.SeccompProfile{}
		Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(asString), typed)).To(Succeed())
		Expect(typed.Spec.Syscalls[1].ErrnoRet.String()).To(Equal("38"), "stored as the user wrote it")
		intProfile := newProfile(ns, "errno-int", "", "")
		stringProfile := newProfile(ns, "errno-string", "", "")
		Eventually(state(intProfile), timeout).Should(Equal(profilebasev1alpha1.StateInstalled))
		Eventually(state(stringProfile), timeout).Should(Equal(profilebasev1alpha1.StateInstalled))
		for _, n := range nodes {
			fromInt, err := fileOn(n, intProfile)()
			Expect(err).NotTo(HaveOccurred())
			fromString, err := fileOn(n, stringProfile)()
			Expect(err).NotTo(HaveOccurred())
			Expect(fromString).To(Equal(fromInt), n.name)
			Expect(string(fromString)).To(ContainSubstring(`"errnoRet": 38`))
			Expect(string(fromString)).To(ContainSubstring(`"defaultErrnoRet": 1`))
		}

		for _, bad := range []any{"EPERM", "-1", int64(-1), int64(5000)} {
			err := env.Client.Create(ctx(), unstructuredProfile(ns, "errno-bad", spec(int64(1), bad)))
			Expect(apierrors.IsInvalid(err)).To(BeTrue(), "%v: %v", bad, err)
			Expect(err.Error()).To(ContainSubstring("errnoRet"), "%v", bad)
		}
	})

	It("reports the file's path below the kubelet root in status.path", func() {
		ns := newNamespace(ctx())
		sp := newProfile(ns, "pathed", seccompprofilev1beta1.ActionLog, "")
		Expect(env.Client.Create(ctx(), sp)).To(Succeed())
		Eventually(state(sp), timeout).Should(Equal(profilebasev1alpha1.StateInstalled))
		got := &seccompprofilev1beta1.SeccompProfile{}
		Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(sp), got)).To(Succeed())
		// node-c's label names another kubelet root than the others': the
		// nodes differ, so the path is the default root's.
		Expect(got.Status.Path).To(Equal(filepath.Join("/var/lib/kubelet/seccomp/operator", ns, "pathed.json")))
	})
})
