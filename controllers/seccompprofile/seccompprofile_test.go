package seccompprofile_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/controllers/seccompprofile"
	"github.com/securityprofiles/operator/internal/podprofiles"
	"github.com/securityprofiles/operator/internal/seccomp"
	"github.com/securityprofiles/operator/test/envtest"
)

const timeout = 30 * time.Second

func newProfile(ns, name string, def seccompprofilev1beta1.Action, base string, allow ...string) *seccompprofilev1beta1.SeccompProfile {
	sp := &seccompprofilev1beta1.SeccompProfile{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       seccompprofilev1beta1.SeccompProfileSpec{DefaultAction: def, BaseProfileName: base},
	}
	if len(allow) > 0 {
		rule := seccompprofilev1beta1.Syscall{Action: seccompprofilev1beta1.ActionAllow}
		for _, n := range allow {
			rule.Names = append(rule.Names, seccompprofilev1beta1.SyscallName(n))
		}
		sp.Spec.Syscalls = []seccompprofilev1beta1.Syscall{rule}
	}
	return sp
}

func state(sp *seccompprofilev1beta1.SeccompProfile) func(Gomega) profilebasev1alpha1.ProfileState {
	return func(g Gomega) profilebasev1alpha1.ProfileState {
		got := &seccompprofilev1beta1.SeccompProfile{}
		g.Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(sp), got)).To(Succeed())
		return got.Status.Status
	}
}

func fileOn(n simNode, sp *seccompprofilev1beta1.SeccompProfile) func() ([]byte, error) {
	return func() ([]byte, error) { return os.ReadFile(profilePath(n, sp.Namespace, sp.Name)) }
}

// auditCopyOn reads a profile's audit-mode copy on a node, as the kubelet
// resolves operator/<ns>/audit/<name>.json.
func auditCopyOn(n simNode, sp *seccompprofilev1beta1.SeccompProfile) func() (seccomp.Profile, error) {
	return func() (seccomp.Profile, error) {
		data, err := os.ReadFile(filepath.Join(n.kubeletDir, "seccomp", podprofiles.AuditLocalhostPath(sp.Namespace, sp.Name)))
		if err != nil {
			return seccomp.Profile{}, err
		}
		return seccomp.DecodeOCI(data)
	}
}

// setAllowedSyscalls creates or updates spod's allowedSyscalls.
func setAllowedSyscalls(list []string) {
	updateSpod(func(s *spodv1alpha1.SPODSpec) { s.AllowedSyscalls = list })
}

// setAllowedSeccompActions creates or updates spod's allowedSeccompActions.
func setAllowedSeccompActions(list []seccompprofilev1beta1.Action) {
	updateSpod(func(s *spodv1alpha1.SPODSpec) { s.AllowedSeccompActions = list })
}

func updateSpod(change func(*spodv1alpha1.SPODSpec)) {
	spod := &spodv1alpha1.SecurityProfilesOperatorDaemon{}
	err := env.Client.Get(ctx(), types.NamespacedName{Namespace: operatorNamespace, Name: spodv1alpha1.Name}, spod)
	if apierrors.IsNotFound(err) {
		spod = &spodv1alpha1.SecurityProfilesOperatorDaemon{ObjectMeta: metav1.ObjectMeta{Namespace: operatorNamespace, Name: spodv1alpha1.Name}}
		change(&spod.Spec)
		Expect(env.Client.Create(ctx(), spod)).To(Succeed())
		return
	}
	Expect(err).NotTo(HaveOccurred())
	change(&spod.Spec)
	Expect(env.Client.Update(ctx(), spod)).To(Succeed())
}

var _ = Describe("SeccompProfile on three nodes", func() {
	It("installs the manual's profile1 on every node, reports it, and removes it on delete", func() {
		ns := newNamespace(ctx())
		sp := newProfile(ns, "profile1", seccompprofilev1beta1.ActionLog, "")
		Expect(env.Client.Create(ctx(), sp)).To(Succeed())
		Eventually(state(sp), timeout).Should(Equal(profilebasev1alpha1.StateInstalled))

		var first []byte
		for _, n := range nodes {
			data, err := fileOn(n, sp)()
			Expect(err).NotTo(HaveOccurred(), n.name)
			if first == nil {
				first = data
			}
			Expect(data).To(Equal(first), "byte-identical on %s", n.name)
		}
		Expect(string(first)).To(ContainSubstring(`"defaultAction": "SCMP_ACT_LOG"`))
		Expect(profilePath(nodes[2], ns, "profile1")).To(HavePrefix(customRoot), "node-c follows its directory-location label")
		for _, n := range nodes {
			logAll, err := os.ReadFile(filepath.Join(n.kubeletDir, "seccomp", keys.LogAllProfilePath))
			Expect(err).NotTo(HaveOccurred(), "every node ships the log-all recording profile")
			Expect(string(logAll)).To(ContainSubstring(`"SCMP_ACT_LOG"`))
		}

		got := &seccompprofilev1beta1.SeccompProfile{}
		Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(sp), got)).To(Succeed())
		Expect(got.Status.LocalhostProfile).To(Equal("operator/" + ns + "/profile1.json"))
		Expect(got.Status.ReadyCondition().Status).To(Equal(metav1.ConditionTrue))

		Expect(got.Status.Nodes).To(Equal(&profilebasev1alpha1.NodeSummary{Total: 3, Installed: 3}))
		// One Normal Event announces it, from the manager; the nodes send
		// none for an install (one per node and profile would not scale).
		Eventually(func() []string { return normalEvents(ns, "profile1") }, timeout).Should(
			ConsistOf("seccompprofile-controller ProfileInstalled Install: Installed on all 3 nodes"))
		Consistently(func() []string { return normalEvents(ns, "profile1") }, 2*time.Second).Should(HaveLen(1))
		// Seconds after it was Installed: no pod uses it, so nothing holds
		// back its deletion (and its creation cost no finalizer write).
		Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(sp), got)).To(Succeed())
		Expect(got.Finalizers).To(BeEmpty())
		// One status per node, named after it and owned by it, listing
		// this very profile (its UID) as Installed.
		statuses := &nodestatusv1alpha1.SecurityProfileNodeStatusList{}
		Eventually(func(g Gomega) {
			g.Expect(env.Client.List(ctx(), statuses, client.InNamespace(ns))).To(Succeed())
			g.Expect(statuses.Items).To(HaveLen(len(nodes)))
			for _, s := range statuses.Items {
				node := &corev1.Node{}
				g.Expect(env.Client.Get(ctx(), client.ObjectKey{Name: s.NodeName}, node)).To(Succeed())
				g.Expect(s.Name).To(Equal(node.Name))
				g.Expect(s.Labels).To(Equal(map[string]string{keys.NodeNameLabel: node.Name}))
				g.Expect(s.OwnerReferences).To(ConsistOf(metav1.OwnerReference{APIVersion: "v1", Kind: "Node", Name: node.Name, UID: node.UID}))
				g.Expect(s.Installed).To(ConsistOf("SeccompProfile/profile1/"+string(got.UID)), s.Name)
				g.Expect(s.Profiles).To(BeEmpty(), s.Name)
				g.Expect(s.ProfileCount).To(BeEquivalentTo(1))
				g.Expect(s.InstalledCount).To(BeEquivalentTo(1))
			}
		}, timeout).Should(Succeed())

		kubeconfig := filepath.Join(GinkgoT().TempDir(), "kubeconfig")
		Expect(env.Kubeconfig(kubeconfig)).To(Succeed())
		out, err := exec.Command(envtest.Kubectl(), "--kubeconfig", kubeconfig, "-n", ns, "get", "sp", "-o", "wide").CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), string(out))
		Expect(string(out)).To(MatchRegexp(`profile1\s+Installed\s+\S+\s+operator/` + ns + `/profile1.json`))

		Expect(env.Client.Delete(ctx(), sp)).To(Succeed())
		Eventually(func() bool { return apierrors.IsNotFound(env.Client.Get(ctx(), client.ObjectKeyFromObject(sp), got)) }, timeout).Should(BeTrue())
		for _, n := range nodes {
			Eventually(func() error { _, err := fileOn(n, sp)(); return err }, timeout).Should(MatchError(os.ErrNotExist), n.name)
		}
		Eventually(func() []nodestatusv1alpha1.SecurityProfileNodeStatus {
			Expect(env.Client.List(ctx(), statuses, client.InNamespace(ns))).To(Succeed())
			return statuses.Items
		}, timeout).Should(BeEmpty())
	})

	It("installs an audit copy whose blocking actions log, and removes it with the profile", func() {
		ns := newNamespace(ctx())
		sp := newProfile(ns, "strict", seccompprofilev1beta1.ActionErrno, "", "exit", "exit_group")
		sp.Spec.Syscalls = append(sp.Spec.Syscalls, seccompprofilev1beta1.Syscall{Action: seccompprofilev1beta1.ActionKillProcess, Names: []seccompprofilev1beta1.SyscallName{"mount"}})
		Expect(env.Client.Create(ctx(), sp)).To(Succeed())
		Eventually(state(sp), timeout).Should(Equal(profilebasev1alpha1.StateInstalled))
		for _, n := range nodes {
			audit, err := auditCopyOn(n, sp)()
			Expect(err).NotTo(HaveOccurred(), n.name)
			Expect(audit.DefaultAction).To(Equal("SCMP_ACT_LOG"), n.name)
			Expect(audit.Syscalls).To(ConsistOf(
				seccomp.Syscall{Names: []string{"exit", "exit_group"}, Action: "SCMP_ACT_ALLOW"},
				seccomp.Syscall{Names: []string{"mount"}, Action: "SCMP_ACT_LOG"},
			), n.name)
			enforced, err := fileOn(n, sp)()
			Expect(err).NotTo(HaveOccurred())
			Expect(string(enforced)).To(ContainSubstring(`"defaultAction": "SCMP_ACT_ERRNO"`), "the profile itself is unchanged")
		}
		Expect(env.Client.Delete(ctx(), sp)).To(Succeed())
		for _, n := range nodes {
			Eventually(func() error { _, err := auditCopyOn(n, sp)(); return err }, timeout).Should(MatchError(os.ErrNotExist), n.name)
			Eventually(filepath.Join(n.kubeletDir, "seccomp", "operator", ns), timeout).ShouldNot(BeADirectory(), "no empty audit or namespace directory is left")
		}
	})

	It("turns the syscalls audit mode listed into allowed ones with one annotation", func() {
		ns := newNamespace(ctx())
		// Recorded profiles build on a base: the base stays out of it.
		sp := newProfile(ns, "audited", seccompprofilev1beta1.ActionErrno, "runc-v1.1.4", "exit", "exit_group")
		sp.Spec.Syscalls = append(sp.Spec.Syscalls, seccompprofilev1beta1.Syscall{Action: seccompprofilev1beta1.ActionErrno, Names: []seccompprofilev1beta1.SyscallName{"mkdir", "mount"}})
		Expect(env.Client.Create(ctx(), sp)).To(Succeed())
		Eventually(state(sp), timeout).Should(Equal(profilebasev1alpha1.StateInstalled))

		// What the log enricher of two nodes wrote.
		got := &seccompprofilev1beta1.SeccompProfile{}
		now := metav1.Now()
		Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(sp), got)).To(Succeed())
		got.Status.AuditedSyscalls = []seccompprofilev1beta1.AuditedSyscall{
			{Image: "busybox:1", Syscall: "getpid", Count: 3, FirstSeen: now, LastSeen: now},
			{Image: "busybox:1", Syscall: "mkdir", Count: 1, FirstSeen: now, LastSeen: now},
			{Image: "nginx:1", Syscall: "mkdir", Count: 2, FirstSeen: now, LastSeen: now},
		}
		Expect(env.Client.Status().Update(ctx(), got)).To(Succeed())
		Consistently(func(g Gomega) int {
			g.Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(sp), got)).To(Succeed())
			return len(got.Status.AuditedSyscalls)
		}, time.Second).Should(Equal(3), "the manager keeps what the nodes listed")

		before := got.DeepCopy()
		got.Annotations = map[string]string{keys.AllowAuditedSyscallsAnnotation: "true"}
		Expect(env.Client.Patch(ctx(), got, client.MergeFrom(before))).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(sp), got)).To(Succeed())
			g.Expect(got.Annotations).NotTo(HaveKey(keys.AllowAuditedSyscallsAnnotation))
			g.Expect(got.Spec.Syscalls).To(Equal([]seccompprofilev1beta1.Syscall{
				{Action: seccompprofilev1beta1.ActionAllow, Names: []seccompprofilev1beta1.SyscallName{"exit", "exit_group", "getpid", "mkdir"}},
				{Action: seccompprofilev1beta1.ActionErrno, Names: []seccompprofilev1beta1.SyscallName{"mount"}},
			}))
			g.Expect(got.Status.AuditedSyscalls).To(BeEmpty())
		}, timeout).Should(Succeed())
		Eventually(func() []string { return eventReasons(ns, "audited") }, timeout).Should(ContainElement(seccompprofile.ReasonAuditedSyscallsAllowed))
		for _, n := range nodes {
			Eventually(func() (bool, error) {
				p, err := auditCopyOn(n, sp)()
				return seccomp.AllowsUnconditionally(p, "mkdir") && seccomp.AllowsUnconditionally(p, "getpid"), err
			}, timeout).Should(BeTrue(), "the nodes' audit copies no longer log what is now allowed, on %s", n.name)
		}
	})

	It("answers allow-audited-syscalls on a new profile, with nothing audited yet", func() {
		ns := newNamespace(ctx())
		sp := newProfile(ns, "audited-at-birth", seccompprofilev1beta1.ActionErrno, "", "exit", "exit_group")
		sp.Annotations = map[string]string{keys.AllowAuditedSyscallsAnnotation: "true"}
		Expect(env.Client.Create(ctx(), sp)).To(Succeed())
		Eventually(state(sp), timeout).Should(Equal(profilebasev1alpha1.StateInstalled))
		got := &seccompprofilev1beta1.SeccompProfile{}
		Eventually(func(g Gomega) map[string]string {
			g.Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(sp), got)).To(Succeed())
			return got.Annotations
		}, timeout).ShouldNot(HaveKey(keys.AllowAuditedSyscallsAnnotation))
		Expect(got.Spec.Syscalls).To(Equal(sp.Spec.Syscalls), "nothing to allow")
		Eventually(func() []string { return eventReasons(ns, "audited-at-birth") }, timeout).Should(ContainElement(seccompprofile.ReasonNothingAudited))
	})

	It("keeps a disabled profile in the API, removes it from every node, reports Disabled, and installs it again when enabled", func() {
		ns := newNamespace(ctx())
		sp := newProfile(ns, "toggled", seccompprofilev1beta1.ActionErrno, "", "exit", "exit_group")
		Expect(env.Client.Create(ctx(), sp)).To(Succeed())
		Eventually(state(sp), timeout).Should(Equal(profilebasev1alpha1.StateInstalled))

		got := &seccompprofilev1beta1.SeccompProfile{}
		Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(sp), got)).To(Succeed())
		enabled := got.DeepCopy()
		got.Spec.Disabled = true
		Expect(env.Client.Patch(ctx(), got, client.MergeFrom(enabled))).To(Succeed())
		Eventually(state(sp), timeout).Should(Equal(profilebasev1alpha1.StateDisabled))
		for _, n := range nodes {
			Eventually(func() error { _, err := fileOn(n, sp)(); return err }, timeout).Should(MatchError(os.ErrNotExist), n.name)
			_, err := auditCopyOn(n, sp)()
			Expect(err).To(MatchError(os.ErrNotExist), n.name)
		}
		Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(sp), got)).To(Succeed())
		Expect(got.Status.ReadyCondition().Status).To(Equal(metav1.ConditionFalse))
		Expect(got.Status.ReadyCondition().Reason).To(Equal("ProfileDisabled"))

		// A patch, not an update: the manager and the nodes keep writing the
		// status, so the copy read above may already be stale.
		before := got.DeepCopy()
		got.Spec.Disabled = false
		Expect(env.Client.Patch(ctx(), got, client.MergeFrom(before))).To(Succeed())
		Eventually(state(sp), timeout).Should(Equal(profilebasev1alpha1.StateInstalled))
		for _, n := range nodes {
			Expect(fileOn(n, sp)()).NotTo(BeEmpty(), n.name)
		}
	})

	It("shows a partial recorded profile as Partial and installs it on no node", func() {
		ns := newNamespace(ctx())
		sp := newProfile(ns, "rec-nginx-abcde", seccompprofilev1beta1.ActionErrno, "runc-v1.1.4", "read")
		sp.Labels = map[string]string{keys.PartialLabel: "true", keys.RecordingIDLabel: "rec", keys.ContainerIDLabel: "nginx"}
		Expect(env.Client.Create(ctx(), sp)).To(Succeed())
		Eventually(state(sp), timeout).Should(Equal(profilebasev1alpha1.StatePartial))
		got := &seccompprofilev1beta1.SeccompProfile{}
		Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(sp), got)).To(Succeed())
		Expect(got.Status.ReadyCondition().Status).To(Equal(metav1.ConditionFalse))
		Expect(got.Status.ReadyCondition().Reason).To(Equal("Partial"))
		Expect(got.Status.ReadyCondition().Message).To(Equal("waiting to be merged by ProfileRecording rec"))
		Consistently(func() error { _, err := fileOn(nodes[0], sp)(); return err }, 2*time.Second).Should(MatchError(os.ErrNotExist))
	})

	It("merges the base profile chain: shipped runc base and a base in the namespace", func() {
		ns := newNamespace(ctx())
		app := newProfile(ns, "app-base", seccompprofilev1beta1.ActionErrno, "runc-v1.1.4", "listen")
		sp := newProfile(ns, "profile1", seccompprofilev1beta1.ActionErrno, "app-base", "exit_group")
		Expect(env.Client.Create(ctx(), app)).To(Succeed())
		Expect(env.Client.Create(ctx(), sp)).To(Succeed())
		Eventually(state(sp), timeout).Should(Equal(profilebasev1alpha1.StateInstalled))
		data, err := fileOn(nodes[0], sp)()
		Expect(err).NotTo(HaveOccurred())
		for _, name := range []string{`"exit_group"`, `"listen"`, `"execve"`, `"capset"`} {
			Expect(string(data)).To(ContainSubstring(name))
		}
		// Changing the base re-installs what builds on it.
		Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(app), app)).To(Succeed())
		unchanged := app.DeepCopy()
		app.Spec.Syscalls[0].Names = append(app.Spec.Syscalls[0].Names, "accept4")
		Expect(env.Client.Patch(ctx(), app, client.MergeFrom(unchanged))).To(Succeed())
		Eventually(func() string { data, _ := fileOn(nodes[1], sp)(); return string(data) }, timeout).Should(ContainSubstring(`"accept4"`))
	})

	It("refuses a profile with an unknown syscall or a missing base, with an Event and no file", func() {
		ns := newNamespace(ctx())
		unknown := newProfile(ns, "unknown", seccompprofilev1beta1.ActionErrno, "", "read", "notasyscall")
		missing := newProfile(ns, "missing", seccompprofilev1beta1.ActionErrno, "runc-v0.0.0", "read")
		Expect(env.Client.Create(ctx(), unknown)).To(Succeed())
		Expect(env.Client.Create(ctx(), missing)).To(Succeed())
		Eventually(state(unknown), timeout).Should(Equal(profilebasev1alpha1.StateError))
		Eventually(state(missing), timeout).Should(Equal(profilebasev1alpha1.StateError))
		got := &seccompprofilev1beta1.SeccompProfile{}
		Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(unknown), got)).To(Succeed())
		Expect(got.Status.ReadyCondition().Reason).To(Equal("InvalidSeccompProfile"))
		Expect(got.Status.ReadyCondition().Message).To(ContainSubstring("notasyscall"))
		Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(missing), got)).To(Succeed())
		Expect(got.Status.ReadyCondition().Reason).To(Equal("BaseProfileNotFound"))
		for _, n := range nodes {
			_, err := fileOn(n, unknown)()
			Expect(err).To(MatchError(os.ErrNotExist))
		}
		Eventually(func(g Gomega) []string {
			events := &eventsv1.EventList{}
			g.Expect(env.Client.List(ctx(), events, client.InNamespace(ns))).To(Succeed())
			var reasons []string
			for _, e := range events.Items {
				if e.Type == corev1.EventTypeWarning && e.Regarding.Name == "unknown" {
					reasons = append(reasons, e.Reason)
				}
			}
			return reasons
		}, timeout).Should(ContainElement("InvalidSeccompProfile"))
	})
})

// eventReasons lists the reasons of the Events about one object.
func eventReasons(ns, name string) []string {
	events := &eventsv1.EventList{}
	Expect(env.Client.List(ctx(), events, client.InNamespace(ns))).To(Succeed())
	var reasons []string
	for _, e := range events.Items {
		if e.Regarding.Name == name {
			reasons = append(reasons, e.Reason)
		}
	}
	return reasons
}

// normalEvents lists the Normal Events about one object as
// "<controller> <reason> <action>: <note>".
func normalEvents(ns, name string) []string {
	events := &eventsv1.EventList{}
	Expect(env.Client.List(ctx(), events, client.InNamespace(ns))).To(Succeed())
	var out []string
	for _, e := range events.Items {
		if e.Regarding.Name == name && e.Type == corev1.EventTypeNormal {
			out = append(out, e.ReportingController+" "+e.Reason+" "+e.Action+": "+e.Note)
		}
	}
	return out
}
