package lsmprofile_test

import (
	"os/exec"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/controllers/lsmprofile"
	"github.com/securityprofiles/operator/test/envtest"
)

func selinuxStatus(ctx SpecContext, p *selinuxprofilev1alpha2.SelinuxProfile) func(Gomega) *profilebasev1alpha1.StatusBase {
	return statusOf(ctx, p, func() *profilebasev1alpha1.StatusBase { return &p.Status.StatusBase })
}

func rawStatus(ctx SpecContext, p *selinuxprofilev1alpha2.RawSelinuxProfile) func(Gomega) *profilebasev1alpha1.StatusBase {
	return statusOf(ctx, p, func() *profilebasev1alpha1.StatusBase { return &p.Status.StatusBase })
}

func setAllowedSystemProfiles(ctx SpecContext, allowed []string) {
	spod := &spodv1alpha1.SecurityProfilesOperatorDaemon{}
	Expect(env.Client.Get(ctx, types.NamespacedName{Namespace: operatorNamespace, Name: spodv1alpha1.Name}, spod)).To(Succeed())
	spod.Spec.SelinuxOpts.AllowedSystemProfiles = allowed
	Expect(env.Client.Update(ctx, spod)).To(Succeed())
}

var _ = Describe("SelinuxProfile", func() {
	It("installs the manual's nginx-secure profile: Ready once every node reports it, with its usage", func(ctx SpecContext) {
		Expect(env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "nginx-deploy"}})).To(Succeed())
		p := &selinuxprofilev1alpha2.SelinuxProfile{
			ObjectMeta: metav1.ObjectMeta{Namespace: "nginx-deploy", Name: "nginx-secure"},
			Spec: selinuxprofilev1alpha2.SelinuxProfileSpec{
				Allow: selinuxprofilev1alpha2.Allow{
					"@self":             {"tcp_socket": {"listen"}},
					"http_cache_port_t": {"tcp_socket": {"name_bind"}},
					"node_t":            {"tcp_socket": {"node_bind"}},
				},
				Inherit: []selinuxprofilev1alpha2.PolicyRef{{Kind: selinuxprofilev1alpha2.PolicyKindSystem, Name: "container"}},
			},
		}
		Expect(env.Client.Create(ctx, p)).To(Succeed())
		Eventually(selinuxStatus(ctx, p)).WithTimeout(timeout).Should(haveState(profilebasev1alpha1.StatePending, "Pending"))
		Expect(p.Status.Usage).To(Equal("nginx-secure_nginx-deploy.process"))
		// No pod uses it: nothing holds back its deletion.
		Expect(p.Finalizers).NotTo(ContainElement(keys.InUseFinalizer))
		Expect(p.Status.ReadyCondition().Status).To(Equal(metav1.ConditionFalse))

		kubeconfig := filepath.Join(GinkgoT().TempDir(), "kubeconfig")
		Expect(env.Kubeconfig(kubeconfig)).To(Succeed())
		kubectl := func(args ...string) (string, error) {
			out, err := exec.Command(envtest.Kubectl(), append([]string{"--kubeconfig", kubeconfig, "-n", "nginx-deploy"}, args...)...).CombinedOutput()
			return string(out), err
		}
		// The manual's commands, as written.
		out, err := kubectl("wait", "--for=condition=ready", "selinuxprofile", "nginx-secure", "--timeout=1s")
		Expect(err).To(HaveOccurred(), "not ready before the nodes report: %s", out)

		reportFromNodes(ctx, "SelinuxProfile", p, profilebasev1alpha1.StateInstalled)
		Eventually(selinuxStatus(ctx, p)).WithTimeout(timeout).Should(haveState(profilebasev1alpha1.StateInstalled, "Installed"))
		Expect(p.Status.ReadyCondition().Status).To(Equal(metav1.ConditionTrue))
		Eventually(announcements(ctx, p.Namespace, p.Name)).WithTimeout(timeout).Should(
			ConsistOf("ProfileInstalled Install: Installed on all 2 nodes"))
		Expect(p.Status.ReadyCondition().ObservedGeneration).To(Equal(p.Generation))
		out, err = kubectl("wait", "--for=condition=ready", "selinuxprofile", "nginx-secure", "--timeout=30s")
		Expect(err).NotTo(HaveOccurred(), out)
		Expect(out).To(Equal("selinuxprofile.security-profiles-operator.x-k8s.io/nginx-secure condition met\n"))
		out, err = kubectl("get", "selinuxprofile.security-profiles-operator.x-k8s.io/nginx-secure", "-ojsonpath={.status.usage}")
		Expect(err).NotTo(HaveOccurred(), out)
		Expect(out).To(Equal("nginx-secure_nginx-deploy.process"))
	})

	It("refuses what the translator refuses, and a system policy spod does not allow until it does", func(ctx SpecContext) {
		ns := newNamespace(ctx, "selinux-")
		// ".unconfined_t" passes the CRD's pattern, but would reach out of
		// the profile's block into the global namespace.
		injected := &selinuxprofilev1alpha2.SelinuxProfile{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "injected"},
			Spec: selinuxprofilev1alpha2.SelinuxProfileSpec{Allow: selinuxprofilev1alpha2.Allow{
				".unconfined_t": {"file": {"read"}}}},
		}
		Expect(env.Client.Create(ctx, injected)).To(Succeed())
		Eventually(selinuxStatus(ctx, injected)).WithTimeout(timeout).Should(
			haveState(profilebasev1alpha1.StateError, lsmprofile.ReasonInvalidSelinuxProfile))
		Expect(injected.Status.ReadyCondition().Message).To(ContainSubstring(".unconfined_t"))
		Eventually(warnings(ctx, ns, "injected")).WithTimeout(timeout).Should(Equal([]string{lsmprofile.ReasonInvalidSelinuxProfile}))

		unconfined := &selinuxprofilev1alpha2.SelinuxProfile{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "unconfined"},
			Spec: selinuxprofilev1alpha2.SelinuxProfileSpec{
				Inherit: []selinuxprofilev1alpha2.PolicyRef{{Kind: selinuxprofilev1alpha2.PolicyKindSystem, Name: "unconfined_t"}}},
		}
		Expect(env.Client.Create(ctx, unconfined)).To(Succeed())
		Eventually(selinuxStatus(ctx, unconfined)).WithTimeout(timeout).Should(
			haveState(profilebasev1alpha1.StateError, lsmprofile.ReasonInvalidSelinuxProfile))
		Expect(unconfined.Status.ReadyCondition().Message).To(ContainSubstring("unconfined_t"))

		DeferCleanup(setAllowedSystemProfiles, []string{"container"})
		setAllowedSystemProfiles(ctx, []string{"container", "unconfined_t"})
		Eventually(selinuxStatus(ctx, unconfined)).WithTimeout(timeout).Should(haveState(profilebasev1alpha1.StatePending, "Pending"))
		Expect(warnings(ctx, ns, "unconfined")(Default)).To(Equal([]string{lsmprofile.ReasonInvalidSelinuxProfile}),
			"one Warning Event for the refused generation")
	})

	It("refuses a profile once the profile it inherits is deleted", func(ctx SpecContext) {
		ns := newNamespace(ctx, "selinux-")
		parent := &selinuxprofilev1alpha2.SelinuxProfile{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "parent"}}
		child := &selinuxprofilev1alpha2.SelinuxProfile{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "child"},
			Spec: selinuxprofilev1alpha2.SelinuxProfileSpec{
				Inherit: []selinuxprofilev1alpha2.PolicyRef{{Kind: selinuxprofilev1alpha2.PolicyKindSelinuxProfile, Name: "parent"}}},
		}
		Expect(env.Client.Create(ctx, parent)).To(Succeed())
		Expect(env.Client.Create(ctx, child)).To(Succeed())
		Eventually(selinuxStatus(ctx, child)).WithTimeout(timeout).Should(haveState(profilebasev1alpha1.StatePending, "Pending"))

		Expect(env.Client.Delete(ctx, parent)).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKeyFromObject(parent), parent))
		}).WithTimeout(timeout).Should(BeTrue(), "no pod uses the parent: its finalizer goes")
		Eventually(selinuxStatus(ctx, child)).WithTimeout(timeout).Should(
			haveState(profilebasev1alpha1.StateError, lsmprofile.ReasonInvalidSelinuxProfile))
		Expect(child.Status.ReadyCondition().Message).To(ContainSubstring("parent"))
	})
})

var _ = Describe("RawSelinuxProfile", func() {
	It("refuses a policy that escapes its block, and reports the usage of a valid one", func(ctx SpecContext) {
		ns := newNamespace(ctx, "raw-")
		escaping := &selinuxprofilev1alpha2.RawSelinuxProfile{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "escaping"},
			Spec:       selinuxprofilev1alpha2.RawSelinuxProfileSpec{Policy: "(in container (allow process self (file (read))))"},
		}
		Expect(env.Client.Create(ctx, escaping)).To(Succeed())
		Eventually(rawStatus(ctx, escaping)).WithTimeout(timeout).Should(
			haveState(profilebasev1alpha1.StateError, lsmprofile.ReasonInvalidRawSelinuxProfile))
		Eventually(warnings(ctx, ns, "escaping")).WithTimeout(timeout).Should(Equal([]string{lsmprofile.ReasonInvalidRawSelinuxProfile}))

		valid := &selinuxprofilev1alpha2.RawSelinuxProfile{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "errorlogger"},
			Spec:       selinuxprofilev1alpha2.RawSelinuxProfileSpec{Policy: "(blockinherit container)\n(allow process var_log_t (dir (open read)))"},
		}
		Expect(env.Client.Create(ctx, valid)).To(Succeed())
		reportFromNodes(ctx, "RawSelinuxProfile", valid, profilebasev1alpha1.StateInstalled)
		Eventually(rawStatus(ctx, valid)).WithTimeout(timeout).Should(haveState(profilebasev1alpha1.StateInstalled, "Installed"))
		Expect(valid.Status.Usage).To(Equal("errorlogger_" + ns + ".process"))
	})

	It("refuses a name a SelinuxProfile of its namespace has, and takes it when that one goes", func(ctx SpecContext) {
		ns := newNamespace(ctx, "raw-")
		raw := &selinuxprofilev1alpha2.RawSelinuxProfile{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "shared"},
			Spec:       selinuxprofilev1alpha2.RawSelinuxProfileSpec{Policy: "(blockinherit container)\n"},
		}
		Expect(env.Client.Create(ctx, raw)).To(Succeed())
		Eventually(rawStatus(ctx, raw)).WithTimeout(timeout).Should(haveState(profilebasev1alpha1.StatePending, "Pending"))

		// Created later, the SelinuxProfile still owns the name.
		sp := &selinuxprofilev1alpha2.SelinuxProfile{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "shared"}}
		Expect(env.Client.Create(ctx, sp)).To(Succeed())
		Eventually(rawStatus(ctx, raw)).WithTimeout(timeout).Should(
			haveState(profilebasev1alpha1.StateError, lsmprofile.ReasonNameConflict))
		Expect(raw.Status.ReadyCondition().Message).To(ContainSubstring("SelinuxProfile " + ns + "/shared"))
		Eventually(selinuxStatus(ctx, sp)).WithTimeout(timeout).Should(haveState(profilebasev1alpha1.StatePending, "Pending"))

		Expect(env.Client.Delete(ctx, sp)).To(Succeed())
		Eventually(rawStatus(ctx, raw)).WithTimeout(timeout).Should(haveState(profilebasev1alpha1.StatePending, "Pending"))
		// Both objects are named "shared": the SelinuxProfile had none.
		Expect(warnings(ctx, ns, "shared")(Default)).To(Equal([]string{lsmprofile.ReasonNameConflict}),
			"one Warning Event, on the RawSelinuxProfile")
	})
})
