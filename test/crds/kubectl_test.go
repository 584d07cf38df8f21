package crds

import (
	"os/exec"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	profilerecordingv1alpha1 "github.com/securityprofiles/operator/apis/profilerecording/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/test/envtest"
)

// kubectl runs the kubectl built with kube-apiserver against the test
// control plane, as a user would.
func kubectl(kubeconfig string, args ...string) string {
	cmd := exec.Command(envtest.Kubectl(), append([]string{"--kubeconfig", kubeconfig}, args...)...)
	out, err := cmd.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), "kubectl %v: %s", args, out)
	return string(out)
}

// fields splits kubectl's table output into rows of columns.
func fields(out string) [][]string {
	var rows [][]string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		rows = append(rows, strings.Fields(line))
	}
	return rows
}

var _ = Describe("kubectl", Ordered, func() {
	var kubeconfig string

	BeforeAll(func() {
		kubeconfig = filepath.Join(GinkgoT().TempDir(), "kubeconfig")
		Expect(env.Kubeconfig(kubeconfig)).To(Succeed())
	})

	It("shows STATUS, AGE and SECCOMPPROFILE.LOCALHOSTPROFILE for `get sp -o wide`", func(ctx SpecContext) {
		ns := newNamespace(ctx)
		sp := &seccompprofilev1beta1.SeccompProfile{
			ObjectMeta: metav1.ObjectMeta{Name: "profile1", Namespace: ns},
			Spec:       seccompprofilev1beta1.SeccompProfileSpec{DefaultAction: seccompprofilev1beta1.ActionLog},
		}
		Expect(env.Client.Create(ctx, sp)).To(Succeed())
		sp.Status.SetState(profilebasev1alpha1.StateInstalled, "Installed", "installed on every node", sp.Generation)
		sp.Status.LocalhostProfile = "operator/" + ns + "/profile1.json"
		Expect(env.Client.Status().Update(ctx, sp)).To(Succeed())

		rows := fields(kubectl(kubeconfig, "-n", ns, "get", "sp", "-o", "wide"))
		Expect(rows[0]).To(Equal([]string{"NAME", "STATUS", "AGE", "SECCOMPPROFILE.LOCALHOSTPROFILE"}))
		Expect(rows[1][0]).To(Equal("profile1"))
		Expect(rows[1][1]).To(Equal("Installed"))
		Expect(rows[1][3]).To(Equal("operator/" + ns + "/profile1.json"))

		narrow := fields(kubectl(kubeconfig, "-n", ns, "get", "seccompprofile"))
		Expect(narrow[0]).To(Equal([]string{"NAME", "STATUS", "AGE"}))
	})

	It("reads the localhost profile with the jsonpath the manual uses", func(ctx SpecContext) {
		ns := newNamespace(ctx)
		sp := &seccompprofilev1beta1.SeccompProfile{
			ObjectMeta: metav1.ObjectMeta{Name: "profile1", Namespace: ns},
			Spec:       seccompprofilev1beta1.SeccompProfileSpec{DefaultAction: seccompprofilev1beta1.ActionLog},
		}
		Expect(env.Client.Create(ctx, sp)).To(Succeed())
		path := "operator/" + ns + "/profile1.json"
		sp.Status.LocalhostProfile = path
		sp.Status.LegacyLocalhostProfile = path
		Expect(env.Client.Status().Update(ctx, sp)).To(Succeed())
		out := kubectl(kubeconfig, "-n", ns, "get", "seccompprofile", "profile1",
			`--output=jsonpath={.status.seccompProfile\.localhostProfile}`)
		Expect(out).To(Equal(path))
	})

	It("knows the short name spod and shows STATE", func(ctx SpecContext) {
		ns := newNamespace(ctx)
		spod := &spodv1alpha1.SecurityProfilesOperatorDaemon{ObjectMeta: metav1.ObjectMeta{Name: "spod", Namespace: ns}}
		Expect(env.Client.Create(ctx, spod)).To(Succeed())
		spod.Status.State = spodv1alpha1.StateRunning
		Expect(env.Client.Status().Update(ctx, spod)).To(Succeed())
		rows := fields(kubectl(kubeconfig, "-n", ns, "get", "spod", "spod"))
		Expect(rows).To(Equal([][]string{{"NAME", "STATE"}, {"spod", "RUNNING"}}))
	})

	It("knows the short names aa and spns, and shows a recording's pod selector with -o wide", func(ctx SpecContext) {
		ns := newNamespace(ctx)
		Expect(kubectl(kubeconfig, "-n", ns, "get", "aa")).To(Equal("No resources found in " + ns + " namespace.\n"))
		Expect(kubectl(kubeconfig, "-n", ns, "get", "spns")).To(Equal("No resources found in " + ns + " namespace.\n"))
		rec := &profilerecordingv1alpha1.ProfileRecording{
			ObjectMeta: metav1.ObjectMeta{Name: "rec", Namespace: ns},
			Spec: profilerecordingv1alpha1.ProfileRecordingSpec{Kind: profilerecordingv1alpha1.RecordingKindSeccomp,
				Recorder: profilerecordingv1alpha1.RecorderBPF, PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "my-app"}}},
		}
		Expect(env.Client.Create(ctx, rec)).To(Succeed())
		rows := fields(kubectl(kubeconfig, "-n", ns, "get", "profilerecording", "-o", "wide"))
		Expect(rows[0]).To(Equal([]string{"NAME", "KIND", "RECORDER", "PODSELECTOR", "AGE"}))
		Expect(rows[1][:4]).To(Equal([]string{"rec", "SeccompProfile", "bpf", `{"matchLabels":{"app":"my-app"}}`}))
	})

	It("explains every field", func() {
		out := kubectl(kubeconfig, "explain", "sp.spec.syscalls.args.valueTwo")
		Expect(out).To(ContainSubstring("SCMP_CMP_MASKED_EQ"))
		out = kubectl(kubeconfig, "explain", "spod.spec.apparmorenabled")
		Expect(out).To(ContainSubstring("enableAppArmor"))
		out = kubectl(kubeconfig, "explain", "sp.metadata")
		Expect(out).To(ContainSubstring("Standard object's metadata"))
	})

	It("makes Ready waitable the way the manual waits for a SelinuxProfile", func(ctx SpecContext) {
		ns := newNamespace(ctx)
		sp := &seccompprofilev1beta1.SeccompProfile{
			ObjectMeta: metav1.ObjectMeta{Name: "w", Namespace: ns},
			Spec:       seccompprofilev1beta1.SeccompProfileSpec{DefaultAction: seccompprofilev1beta1.ActionLog},
		}
		Expect(env.Client.Create(ctx, sp)).To(Succeed())
		Expect(sp.Status.SetState(profilebasev1alpha1.StateInstalled, "Installed", "ok", sp.Generation)).To(BeTrue())
		Expect(meta.IsStatusConditionTrue(sp.Status.Conditions, profilebasev1alpha1.ConditionReady)).To(BeTrue())
		Expect(env.Client.Status().Update(ctx, sp)).To(Succeed())
		out := kubectl(kubeconfig, "-n", ns, "wait", "--for=condition=ready", "--timeout=10s", "sp/w")
		Expect(out).To(ContainSubstring("condition met"))
	})
})
