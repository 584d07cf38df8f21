package seccompprofile_test

import (
	"context"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	dto "github.com/prometheus/client_model/go"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	"github.com/securityprofiles/operator/daemon/agent"
	"github.com/securityprofiles/operator/daemon/nodestatus"
	daemonseccomp "github.com/securityprofiles/operator/daemon/seccomp"
)

// counter reads a daemon counter from controller-runtime's registry, which
// /metrics-spod serves.
func counter(name, label, value string) float64 {
	families, err := metrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if hasLabel(m, label, value) {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func hasLabel(m *dto.Metric, name, value string) bool {
	for _, l := range m.GetLabel() {
		if l.GetName() == name && l.GetValue() == value {
			return true
		}
	}
	return false
}

var _ = Describe("Daemon metrics", func() {
	It("counts updates, deletes and invalid profiles", func() {
		updates := counter("security_profiles_operator_seccomp_profile_total", "operation", "update")
		deletes := counter("security_profiles_operator_seccomp_profile_total", "operation", "delete")
		invalid := counter("security_profiles_operator_seccomp_profile_error_total", "reason", "InvalidSeccompProfile")
		ns := newNamespace(ctx())
		good := newProfile(ns, "counted", seccompprofilev1beta1.ActionErrno, "", "read")
		bad := newProfile(ns, "counted-bad", seccompprofilev1beta1.ActionErrno, "", "notasyscall")
		Expect(env.Client.Create(ctx(), good)).To(Succeed())
		Expect(env.Client.Create(ctx(), bad)).To(Succeed())
		Eventually(state(good), timeout).Should(Equal(profilebasev1alpha1.StateInstalled))
		Eventually(state(bad), timeout).Should(Equal(profilebasev1alpha1.StateError))
		Expect(counter("security_profiles_operator_seccomp_profile_total", "operation", "update")).To(BeNumerically(">=", updates+3))
		Expect(counter("security_profiles_operator_seccomp_profile_error_total", "reason", "InvalidSeccompProfile")).To(BeNumerically(">=", invalid+3))
		Expect(env.Client.Delete(ctx(), good)).To(Succeed())
		Eventually(func() float64 {
			return counter("security_profiles_operator_seccomp_profile_total", "operation", "delete")
		}, timeout).Should(BeNumerically(">=", deletes+3))
	})
})

var _ = Describe("A node without seccomp", Ordered, func() {
	var (
		stop  context.CancelFunc
		node  simNode
		nodeO *corev1.Node
		// procDir is the node's empty /proc.
		procDir string
	)

	BeforeAll(func() {
		base := GinkgoT().TempDir()
		node = simNode{name: "node-noseccomp", kubeletDir: filepath.Join(base, "kubelet"), storageDir: filepath.Join(base, "storage")}
		nodeO = &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: node.name}}
		Expect(env.Client.Create(ctx(), nodeO)).To(Succeed())
		var dctx context.Context
		dctx, stop = context.WithCancel(context.Background())
		opts := env.ManagerOptions()
		opts.Cache = agent.CacheOptions(node.name)
		mgr, err := ctrl.NewManager(env.Config, opts)
		Expect(err).NotTo(HaveOccurred())
		// An empty /proc: no /proc/sys/kernel/seccomp/actions_avail.
		procDir = GinkgoT().TempDir()
		Expect(agent.Setup(dctx, mgr, mgr.GetAPIReader(), agent.Config{
			NodeName: node.name, KubeletDir: node.kubeletDir, StorageDir: node.storageDir,
			ProcDir: procDir, OperatorNamespace: operatorNamespace,
		})).To(Succeed())
		go func() {
			defer GinkgoRecover()
			Expect(mgr.Start(dctx)).To(Succeed())
		}()
	})

	AfterAll(func() {
		stop()
		Expect(env.Client.Delete(ctx(), nodeO)).To(Succeed())
	})

	It("writes nothing there, reports why and counts it", func() {
		before := counter("security_profiles_operator_seccomp_profile_error_total", "reason", "SeccompNotSupportedOnNode")
		ns := newNamespace(ctx())
		sp := newProfile(ns, "unsupported", seccompprofilev1beta1.ActionLog, "")
		Expect(env.Client.Create(ctx(), sp)).To(Succeed())
		Eventually(state(sp), timeout).Should(Equal(profilebasev1alpha1.StateError))
		Eventually(func(g Gomega) {
			got, err := nodestatus.Lookup(ctx(), env.Client, ns, node.name, "SeccompProfile", "unsupported")
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got).NotTo(BeNil())
			g.Expect(got.Status).To(Equal(profilebasev1alpha1.StateError))
			g.Expect(got.Reason).To(Equal("SeccompNotSupportedOnNode"))
		}, timeout).Should(Succeed())
		_, err := os.Stat(profilePath(node, ns, "unsupported"))
		Expect(err).To(MatchError(os.ErrNotExist))
		// The nodes that support seccomp still installed it.
		Expect(fileOn(nodes[0], sp)()).NotTo(BeEmpty())
		Expect(counter("security_profiles_operator_seccomp_profile_error_total", "reason", "SeccompNotSupportedOnNode")).To(BeNumerically(">", before))
	})

	It("names the node in the profile's status.nodes and Ready condition", func() {
		ns := newNamespace(ctx())
		sp := newProfile(ns, "listed", seccompprofilev1beta1.ActionLog, "")
		Expect(env.Client.Create(ctx(), sp)).To(Succeed())
		why := daemonseccomp.CheckSupport(procDir)
		Expect(why).To(HaveOccurred())
		got := &seccompprofilev1beta1.SeccompProfile{}
		Eventually(func(g Gomega) *profilebasev1alpha1.NodeSummary {
			g.Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(sp), got)).To(Succeed())
			return got.Status.Nodes
		}, timeout).Should(Equal(&profilebasev1alpha1.NodeSummary{Total: 4, Installed: 3, NotInstalled: []profilebasev1alpha1.NodeState{{
			Node: node.name, Status: profilebasev1alpha1.StateError, Reason: "SeccompNotSupportedOnNode", Message: why.Error(),
		}}}))
		Expect(got.Status.Status).To(Equal(profilebasev1alpha1.StateError))
		ready := got.Status.ReadyCondition()
		Expect(ready.Status).To(Equal(metav1.ConditionFalse))
		Expect(ready.Reason).To(Equal("SeccompNotSupportedOnNode"))
		Expect(ready.Message).To(Equal("Error on 1 of 4 node(s): " + node.name + ": " + why.Error()))
	})
})
