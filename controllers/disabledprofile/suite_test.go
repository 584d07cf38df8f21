package disabledprofile_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	apparmorprofilev1alpha1 "github.com/securityprofiles/operator/apis/apparmorprofile/v1alpha1"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
	"github.com/securityprofiles/operator/controllers/disabledprofile"
	"github.com/securityprofiles/operator/test/envtest"
)

var (
	env    *envtest.Env
	cancel context.CancelFunc
)

func TestDisabledProfiles(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Disabled SELinux and AppArmor profiles suite")
}

var _ = BeforeSuite(func() {
	ctrl.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	var err error
	env, err = envtest.Start()
	Expect(err).NotTo(HaveOccurred())
	var ctx context.Context
	ctx, cancel = context.WithCancel(context.Background())
	opts := env.ManagerOptions()
	mgr, err := ctrl.NewManager(env.Config, opts)
	Expect(err).NotTo(HaveOccurred())
	Expect(disabledprofile.SetupWithManager(mgr)).To(Succeed())
	go func() {
		defer GinkgoRecover()
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
})

var _ = AfterSuite(func() {
	if cancel != nil {
		cancel()
	}
	if env != nil {
		Expect(env.Stop()).To(Succeed())
	}
})

// profile is one kind under test: the object and its disabled switch and
// status.
type profile struct {
	obj    client.Object
	toggle func(bool)
	status func() *profilebasev1alpha1.StatusBase
}

func profiles(ns string) []profile {
	se := &selinuxprofilev1alpha2.SelinuxProfile{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "se"}}
	raw := &selinuxprofilev1alpha2.RawSelinuxProfile{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "raw"},
		Spec: selinuxprofilev1alpha2.RawSelinuxProfileSpec{Policy: "(block raw_" + ns + ")"}}
	aa := &apparmorprofilev1alpha1.AppArmorProfile{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "aa"},
		Spec: apparmorprofilev1alpha1.AppArmorProfileSpec{Policy: "profile aa flags=(attach_disconnected) {}"}}
	return []profile{
		{se, func(d bool) { se.Spec.Disabled = d }, func() *profilebasev1alpha1.StatusBase { return &se.Status.StatusBase }},
		{raw, func(d bool) { raw.Spec.Disabled = d }, func() *profilebasev1alpha1.StatusBase { return &raw.Status.StatusBase }},
		{aa, func(d bool) { aa.Spec.Disabled = d }, func() *profilebasev1alpha1.StatusBase { return &aa.Status.StatusBase }},
	}
}

var _ = Describe("spec.disabled on SelinuxProfile, RawSelinuxProfile and AppArmorProfile", func() {
	It("reads Disabled while set, Pending once enabled again, and leaves other profiles alone", func(ctx SpecContext) {
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "disabled-"}}
		Expect(env.Client.Create(ctx, ns)).To(Succeed())
		for _, p := range profiles(ns.Name) {
			p.toggle(true)
			Expect(env.Client.Create(ctx, p.obj)).To(Succeed())
		}
		for _, p := range profiles(ns.Name) {
			Eventually(func(g Gomega) {
				g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(p.obj), p.obj)).To(Succeed())
				g.Expect(p.status().Status).To(Equal(profilebasev1alpha1.StateDisabled))
				g.Expect(p.status().ReadyCondition().Reason).To(Equal(disabledprofile.ReasonDisabled))
			}).WithTimeout(10*time.Second).Should(Succeed(), "%T", p.obj)
			p.toggle(false)
			Expect(env.Client.Update(ctx, p.obj)).To(Succeed())
			Eventually(func(g Gomega) {
				g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(p.obj), p.obj)).To(Succeed())
				g.Expect(p.status().Status).To(Equal(profilebasev1alpha1.StatePending))
				g.Expect(p.status().ReadyCondition().Reason).To(Equal(disabledprofile.ReasonEnabled))
			}).WithTimeout(10*time.Second).Should(Succeed(), "%T", p.obj)
		}

		never := &selinuxprofilev1alpha2.SelinuxProfile{ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: "never-disabled"}}
		Expect(env.Client.Create(ctx, never)).To(Succeed())
		Consistently(func(g Gomega) profilebasev1alpha1.ProfileState {
			g.Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(never), never)).To(Succeed())
			return never.Status.Status
		}).WithTimeout(2 * time.Second).Should(BeEmpty())
	})
})
