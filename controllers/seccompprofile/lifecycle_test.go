package seccompprofile_test

import (
	"os"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/internal/seccomp"
)

// These specs change cluster-wide state (spod, nodes), so they run in order.
var _ = Describe("SeccompProfile lifecycle", Ordered, func() {
	AfterAll(func() {
		setAllowedSyscalls(nil)
		setAllowedSeccompActions(nil)
	})

	It("rejects profiles using actions outside spod's allowedSeccompActions and installs them again when allowed", func() {
		ns := newNamespace(ctx())
		plain := newProfile(ns, "plain", seccompprofilev1beta1.ActionErrno, "", "exit", "futex")
		logger := newProfile(ns, "logger", seccompprofilev1beta1.ActionErrno, "", "exit")
		logger.Spec.Syscalls = append(logger.Spec.Syscalls, seccompprofilev1beta1.Syscall{
			Action: seccompprofilev1beta1.ActionLog, Names: []seccompprofilev1beta1.SyscallName{"mkdir"}})
		Expect(env.Client.Create(ctx(), plain)).To(Succeed())
		Expect(env.Client.Create(ctx(), logger)).To(Succeed())
		Eventually(state(logger), timeout).Should(Equal(profilebasev1alpha1.StateInstalled))
		Eventually(state(plain), timeout).Should(Equal(profilebasev1alpha1.StateInstalled))

		setAllowedSeccompActions([]seccompprofilev1beta1.Action{seccompprofilev1beta1.ActionErrno, seccompprofilev1beta1.ActionAllow})
		Eventually(state(logger), timeout).Should(Equal(profilebasev1alpha1.StateError))
		for _, n := range nodes {
			Eventually(func() error { _, err := fileOn(n, logger)(); return err }, timeout).Should(MatchError(os.ErrNotExist), n.name)
			Expect(fileOn(n, plain)()).NotTo(BeEmpty(), "a complying profile stays on %s", n.name)
		}
		got := &seccompprofilev1beta1.SeccompProfile{}
		Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(logger), got)).To(Succeed())
		Expect(got.Status.ReadyCondition().Reason).To(Equal("ProfileActionNotAllowed"))
		Expect(got.Status.ReadyCondition().Message).To(ContainSubstring("SCMP_ACT_LOG"))
		Eventually(func() []string { return eventReasons(ns, "logger") }, timeout).Should(ContainElement("ProfileActionNotAllowed"))

		// The default action counts too.
		logAll := newProfile(ns, "log-all", seccompprofilev1beta1.ActionLog, "")
		Expect(env.Client.Create(ctx(), logAll)).To(Succeed())
		Eventually(state(logAll), timeout).Should(Equal(profilebasev1alpha1.StateError))
		_, err := fileOn(nodes[0], logAll)()
		Expect(err).To(MatchError(os.ErrNotExist))

		setAllowedSeccompActions([]seccompprofilev1beta1.Action{seccompprofilev1beta1.ActionErrno, seccompprofilev1beta1.ActionAllow, seccompprofilev1beta1.ActionLog})
		Eventually(state(logger), timeout).Should(Equal(profilebasev1alpha1.StateInstalled))
		Eventually(state(logAll), timeout).Should(Equal(profilebasev1alpha1.StateInstalled))
		for _, n := range nodes {
			Expect(fileOn(n, logger)()).To(ContainSubstring(`"SCMP_ACT_LOG"`), n.name)
		}
	})

	It("rejects profiles outside spod's allowedSyscalls and removes installed ones that stop complying", func() {
		ns := newNamespace(ctx())
		small := newProfile(ns, "small", seccompprofilev1beta1.ActionErrno, "", "exit", "futex")
		wide := newProfile(ns, "wide", seccompprofilev1beta1.ActionErrno, "", "exit", "mkdir")
		Expect(env.Client.Create(ctx(), small)).To(Succeed())
		Expect(env.Client.Create(ctx(), wide)).To(Succeed())
		Eventually(state(wide), timeout).Should(Equal(profilebasev1alpha1.StateInstalled))
		Eventually(state(small), timeout).Should(Equal(profilebasev1alpha1.StateInstalled))

		setAllowedSyscalls([]string{"exit", "exit_group", "futex", "nanosleep"})
		Eventually(state(wide), timeout).Should(Equal(profilebasev1alpha1.StateError))
		for _, n := range nodes {
			Eventually(func() error { _, err := fileOn(n, wide)(); return err }, timeout).Should(MatchError(os.ErrNotExist), n.name)
			Expect(fileOn(n, small)()).NotTo(BeEmpty(), "a complying profile stays")
			// Audit mode lets through only what spod allows any profile.
			Eventually(func() (seccomp.Profile, error) { return auditCopyOn(n, small)() }, timeout).Should(Equal(seccomp.Profile{
				DefaultAction: "SCMP_ACT_ERRNO",
				Syscalls: []seccomp.Syscall{
					{Names: []string{"exit", "futex"}, Action: "SCMP_ACT_ALLOW"},
					{Names: []string{"exit_group", "nanosleep"}, Action: "SCMP_ACT_LOG"},
				},
			}), n.name)
		}
		got := &seccompprofilev1beta1.SeccompProfile{}
		Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(wide), got)).To(Succeed())
		Expect(got.Status.ReadyCondition().Reason).To(Equal("ProfileNotAllowed"))
		Expect(got.Status.ReadyCondition().Message).To(ContainSubstring("mkdir"))

		// A new profile outside the list is never written.
		late := newProfile(ns, "late", seccompprofilev1beta1.ActionErrno, "", "chmod")
		Expect(env.Client.Create(ctx(), late)).To(Succeed())
		Eventually(state(late), timeout).Should(Equal(profilebasev1alpha1.StateError))
		_, err := fileOn(nodes[0], late)()
		Expect(err).To(MatchError(os.ErrNotExist))

		setAllowedSyscalls(nil)
		Eventually(state(wide), timeout).Should(Equal(profilebasev1alpha1.StateInstalled))
		Eventually(state(late), timeout).Should(Equal(profilebasev1alpha1.StateInstalled))
	})

	It("makes no writes when nothing changed", func() {
		ns := newNamespace(ctx())
		sp := newProfile(ns, "stable", seccompprofilev1beta1.ActionErrno, "runc-v1.1.4", "read")
		Expect(env.Client.Create(ctx(), sp)).To(Succeed())
		Eventually(state(sp), timeout).Should(Equal(profilebasev1alpha1.StateInstalled))
		snapshot := func(g Gomega) []string {
			got := &seccompprofilev1beta1.SeccompProfile{}
			g.Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(sp), got)).To(Succeed())
			out := []string{got.ResourceVersion}
			list := &nodestatusv1alpha1.SecurityProfileNodeStatusList{}
			g.Expect(env.Client.List(ctx(), list, client.InNamespace(ns))).To(Succeed())
			for _, s := range list.Items {
				out = append(out, s.Name+"@"+s.ResourceVersion)
			}
			for _, n := range nodes {
				fi, err := os.Stat(profilePath(n, ns, sp.Name))
				g.Expect(err).NotTo(HaveOccurred())
				out = append(out, fi.ModTime().String())
			}
			return out
		}
		// Let the status settle, then make every daemon reconcile every
		// profile again through an unrelated spod change.
		Eventually(snapshot, timeout).Should(HaveLen(1 + 2*len(nodes)))
		before := snapshot(Default)
		spod := &spodv1alpha1.SecurityProfilesOperatorDaemon{}
		Expect(env.Client.Get(ctx(), types.NamespacedName{Namespace: operatorNamespace, Name: spodv1alpha1.Name}, spod)).To(Succeed())
		spod.Spec.Verbosity = 1 - spod.Spec.Verbosity
		Expect(env.Client.Update(ctx(), spod)).To(Succeed())
		Consistently(snapshot, 3*time.Second, 250*time.Millisecond).Should(Equal(before))
	})

	It("waits for the pods using a profile before deleting it", func() {
		ns := newNamespace(ctx())
		sp := newProfile(ns, "in-use", seccompprofilev1beta1.ActionLog, "")
		Expect(env.Client.Create(ctx(), sp)).To(Succeed())
		Eventually(state(sp), timeout).Should(Equal(profilebasev1alpha1.StateInstalled))
		path := "operator/" + ns + "/in-use.json"
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "test-pod"},
			Spec: corev1.PodSpec{
				SecurityContext: &corev1.PodSecurityContext{SeccompProfile: &corev1.SeccompProfile{
					Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: &path}},
				Containers: []corev1.Container{{Name: "test-container", Image: "nginx"}},
			},
		}
		Expect(env.Client.Create(ctx(), pod)).To(Succeed())
		// A pod bound in audit mode runs the profile's audit copy: it uses
		// the profile just the same.
		auditPath := "operator/" + ns + "/audit/in-use.json"
		auditPod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "audit-pod"},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "nginx", SecurityContext: &corev1.SecurityContext{
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost, LocalhostProfile: &auditPath}}}}},
		}
		Expect(env.Client.Create(ctx(), auditPod)).To(Succeed())
		got := &seccompprofilev1beta1.SeccompProfile{}
		workloads := func(g Gomega) []string {
			g.Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(sp), got)).To(Succeed())
			return got.Status.ActiveWorkloads
		}
		// The finalizer is added before the status names a pod: whoever
		// sees one there cannot delete the profile from under it.
		Eventually(workloads, timeout).ShouldNot(BeEmpty())
		Expect(got.Finalizers).To(ConsistOf(keys.InUseFinalizer))
		Eventually(workloads, timeout).Should(Equal([]string{ns + "/audit-pod", ns + "/test-pod"}))

		Expect(env.Client.Delete(ctx(), sp)).To(Succeed())
		Eventually(state(sp), timeout).Should(Equal(profilebasev1alpha1.StateTerminating))
		Consistently(func() error { return env.Client.Get(ctx(), client.ObjectKeyFromObject(sp), got) }, 2*time.Second).Should(Succeed())
		for _, n := range nodes {
			Expect(fileOn(n, sp)()).NotTo(BeEmpty(), "the running pod's profile stays on %s", n.name)
		}

		Expect(env.Client.Delete(ctx(), pod, client.GracePeriodSeconds(0))).To(Succeed())
		Consistently(func() error { return env.Client.Get(ctx(), client.ObjectKeyFromObject(sp), got) }, 2*time.Second).Should(Succeed(),
			"the audit-mode pod still holds the profile")
		Expect(env.Client.Delete(ctx(), auditPod, client.GracePeriodSeconds(0))).To(Succeed())
		Eventually(func() bool { return apierrors.IsNotFound(env.Client.Get(ctx(), client.ObjectKeyFromObject(sp), got)) }, timeout).Should(BeTrue())
		for _, n := range nodes {
			Eventually(func() error { _, err := fileOn(n, sp)(); return err }, timeout).Should(MatchError(os.ErrNotExist))
		}
	})

	It("stops counting a node that leaves the cluster", func() {
		ns := newNamespace(ctx())
		sp := newProfile(ns, "nodes", seccompprofilev1beta1.ActionLog, "")
		Expect(env.Client.Create(ctx(), sp)).To(Succeed())
		Eventually(state(sp), timeout).Should(Equal(profilebasev1alpha1.StateInstalled))
		Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(sp), sp)).To(Succeed())

		// A node without a daemon holds the profile back...
		extra := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-gone"}}
		Expect(env.Client.Create(ctx(), extra)).To(Succeed())
		Eventually(state(sp), timeout).Should(Equal(profilebasev1alpha1.StatePending))
		stale := perNodeStatus(ns, "node-gone", nodestatusv1alpha1.ProfileNodeState{
			Kind: "SeccompProfile", Name: "nodes", UID: sp.UID,
			Status: profilebasev1alpha1.StateError, Reason: "CannotSaveSeccompProfile", Message: "disk full",
		})
		Expect(env.Client.Create(ctx(), stale)).To(Succeed())
		Eventually(state(sp), timeout).Should(Equal(profilebasev1alpha1.StateError))
		Eventually(nodeSummary(sp), timeout).Should(Equal(&profilebasev1alpha1.NodeSummary{Total: 4, Installed: 3,
			NotInstalled: []profilebasev1alpha1.NodeState{{Node: "node-gone", Status: profilebasev1alpha1.StateError,
				Reason: "CannotSaveSeccompProfile", Message: "disk full"}}}))

		// ...until it leaves: then its status is cleaned up.
		Expect(env.Client.Delete(ctx(), extra)).To(Succeed())
		Eventually(state(sp), timeout).Should(Equal(profilebasev1alpha1.StateInstalled))
		Eventually(nodeSummary(sp), timeout).Should(Equal(&profilebasev1alpha1.NodeSummary{Total: 3, Installed: 3}))
		Eventually(func() bool {
			return apierrors.IsNotFound(env.Client.Get(ctx(), client.ObjectKeyFromObject(stale), stale))
		}, timeout).Should(BeTrue())
	})

	It("deletes node statuses of the earlier one-per-profile shape", func() {
		ns := newNamespace(ctx())
		sp := newProfile(ns, "reshaped", seccompprofilev1beta1.ActionLog, "")
		Expect(env.Client.Create(ctx(), sp)).To(Succeed())
		Eventually(state(sp), timeout).Should(Equal(profilebasev1alpha1.StateInstalled))
		Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(sp), sp)).To(Succeed())
		// What a daemon of the earlier shape left, as the current schema
		// reads it: named after the profile, not the node, and listing
		// nothing.
		old := perNodeStatus(ns, "node-a")
		old.Name = "seccompprofile-reshaped-node-a"
		Expect(env.Client.Create(ctx(), old)).To(Succeed())
		// Any change to the profile makes the manager look again.
		Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(sp), sp)).To(Succeed())
		before := sp.DeepCopy()
		sp.Annotations = map[string]string{"example.com/touched": "yes"}
		Expect(env.Client.Patch(ctx(), sp, client.MergeFrom(before))).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(env.Client.Get(ctx(), client.ObjectKeyFromObject(old), old))
		}, timeout).Should(BeTrue())
		Expect(state(sp)(Default)).To(Equal(profilebasev1alpha1.StateInstalled))
	})

	It("never counts a state recorded for an earlier profile of the same name", func() {
		ns := newNamespace(ctx())
		extra := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-stale"}}
		Expect(env.Client.Create(ctx(), extra)).To(Succeed())
		DeferCleanup(func() { Expect(client.IgnoreNotFound(env.Client.Delete(ctx(), extra))).To(Succeed()) })

		first := newProfile(ns, "again", seccompprofilev1beta1.ActionLog, "")
		Expect(env.Client.Create(ctx(), first)).To(Succeed())
		Eventually(state(first), timeout).Should(Equal(profilebasev1alpha1.StatePending))
		Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(first), first)).To(Succeed())
		// The node without a daemon reports the first profile Installed...
		stale := perNodeStatus(ns, extra.Name, nodestatusv1alpha1.ProfileNodeState{
			Kind: "SeccompProfile", Name: "again", UID: first.UID, Status: profilebasev1alpha1.StateInstalled, Reason: "ProfileInstalled"})
		Expect(env.Client.Create(ctx(), stale)).To(Succeed())
		Eventually(state(first), timeout).Should(Equal(profilebasev1alpha1.StateInstalled))
		Expect(env.Client.Delete(ctx(), first)).To(Succeed())
		Eventually(func() bool {
			return apierrors.IsNotFound(env.Client.Get(ctx(), client.ObjectKeyFromObject(first), first))
		}, timeout).Should(BeTrue())

		// ...and never says anything about the profile made anew.
		second := newProfile(ns, "again", seccompprofilev1beta1.ActionLog, "")
		Expect(env.Client.Create(ctx(), second)).To(Succeed())
		Expect(second.UID).NotTo(Equal(first.UID))
		Eventually(nodeSummary(second), timeout).Should(Equal(&profilebasev1alpha1.NodeSummary{Total: 4, Installed: 3,
			NotInstalled: []profilebasev1alpha1.NodeState{{Node: extra.Name, Status: profilebasev1alpha1.StatePending,
				Reason: "Pending", Message: "the node has not reported"}}}))
		Consistently(state(second), 2*time.Second, 250*time.Millisecond).Should(Equal(profilebasev1alpha1.StatePending))
		Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(stale), stale)).To(Succeed())
		Expect(stale.Find("SeccompProfile", "again").UID).To(Equal(first.UID), "the entry is still there, just not counted")

		// Once the node reports the new profile, it counts.
		stale.Installed = []string{nodestatusv1alpha1.InstalledEntry("SeccompProfile", "again", second.UID)}
		Expect(env.Client.Update(ctx(), stale)).To(Succeed())
		Eventually(state(second), timeout).Should(Equal(profilebasev1alpha1.StateInstalled))
		Eventually(nodeSummary(second), timeout).Should(Equal(&profilebasev1alpha1.NodeSummary{Total: 4, Installed: 4}))
	})
})

// perNodeStatus is a node status as the node's daemon writes it, for a node
// that has none.
func perNodeStatus(ns, node string, entries ...nodestatusv1alpha1.ProfileNodeState) *nodestatusv1alpha1.SecurityProfileNodeStatus {
	s := &nodestatusv1alpha1.SecurityProfileNodeStatus{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: node, Labels: map[string]string{keys.NodeNameLabel: node}},
		NodeName:   node,
	}
	s.SetStates(entries)
	return s
}

// nodeSummary reads a profile's status.nodes.
func nodeSummary(sp *seccompprofilev1beta1.SeccompProfile) func(Gomega) *profilebasev1alpha1.NodeSummary {
	return func(g Gomega) *profilebasev1alpha1.NodeSummary {
		got := &seccompprofilev1beta1.SeccompProfile{}
		g.Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(sp), got)).To(Succeed())
		return got.Status.Nodes
	}
}
