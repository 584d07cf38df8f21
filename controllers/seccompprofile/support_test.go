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

	"github.com/securityprofiles/operator/apis/keys"
	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	"github.com/securityprofiles/operator/daemon/agent"
	"github.com/securityprofiles/operator/daemon/nodestatus"
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
		Expect(agent.Setup(dctx, mgr, mgr.GetAPIReader(), agent.Config{
			NodeName: node.name, KubeletDir: node.kubeletDir, StorageDir: node.storageDir,
			ProcDir: GinkgoT().TempDir(), OperatorNamespace: operatorNamespace,
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
		st := &nodestatusv1alpha1.SecurityProfileNodeStatus{}
		Expect(env.Client.Get(ctx(), client.ObjectKey{Namespace: ns, Name: nodestatus.Name("SeccompProfile", "unsupported", "node-noseccomp")}, st)).To(Succeed())
		Expect(st.Reason).To(Equal("SeccompNotSupportedOnNode"))
		Expect(st.Labels[keys.ProfileStateLabel]).To(Equal("Error"))
		_, err := os.Stat(profilePath(node, ns, "unsupported"))
		Expect(err).To(MatchError(os.ErrNotExist))
		// The nodes that support seccomp still installed it.
		Expect(fileOn(nodes[0], sp)()).NotTo(BeEmpty())
		Expect(counter("security_profiles_operator_seccomp_profile_error_total", "reason", "SeccompNotSupportedOnNode")).To(BeNumerically(">", before))
	})
})
