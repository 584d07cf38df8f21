package seccomp_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/daemon/nodestatus"
	"github.com/securityprofiles/operator/daemon/seccomp"
	internalseccomp "github.com/securityprofiles/operator/internal/seccomp"
)

const kind nodestatusv1alpha1.ProfileKind = "SeccompProfile"

// These specs set up what a node holds after its daemon was down for a
// while, then start the daemon.
var _ = Describe("A daemon starting on a node", func() {
	It("removes the files of profiles deleted while it was down and keeps the others", func(ctx SpecContext) {
		ns := newNamespace(ctx)
		n := newNode(ctx)
		kept := newProfile(ns, "kept")
		Expect(env.Client.Create(ctx, kept)).To(Succeed())
		strays := []string{
			filepath.Join(ns, "deleted.json"),
			filepath.Join(ns, "audit", "deleted.json"),
			filepath.Join("no-such-namespace", "deleted.json"),
		}
		for _, rel := range append(strays, filepath.Join(ns, "kept.json"), "operator-shipped.json", "notes.txt") {
			writeStorage(n, rel, "{}\n")
		}

		startDaemon(n)
		for _, rel := range strays {
			Eventually(filepath.Join(n.storageDir, rel), timeout).ShouldNot(BeAnExistingFile())
		}
		Expect(filepath.Join(n.storageDir, "no-such-namespace")).NotTo(BeADirectory())
		Eventually(readStorage(n, filepath.Join(ns, "kept.json")), timeout).Should(Equal(string(expectedFile(kept))))
		// Files the operator ships and files not shaped like a profile's
		// are not the sweep's to judge.
		Expect(filepath.Join(n.storageDir, "operator-shipped.json")).To(BeAnExistingFile())
		Expect(filepath.Join(n.storageDir, "notes.txt")).To(BeAnExistingFile())
	})

	It("leaves the files of namespaces it does not watch alone when restricted to one", func(ctx SpecContext) {
		// The sweep goes through the files in namespace order: "a-" sorts
		// before "seccomp-", so once the watched namespaces' orphans are
		// gone the other namespace's file has been judged too.
		other := newNamespaceNamed(ctx, "a-seccomp-")
		watched, operator := newNamespace(ctx), newNamespace(ctx)
		n := newNode(ctx)
		// Another install of the operator, restricted to other, installed
		// this profile on the same node; to this daemon it looks deleted.
		theirs := newProfile(other, "theirs")
		Expect(env.Client.Create(ctx, theirs)).To(Succeed())
		theirFile := filepath.Join(other, "theirs.json")
		writeStorage(n, theirFile, string(expectedFile(theirs)))
		strays := []string{filepath.Join(watched, "deleted.json"), filepath.Join(operator, "deleted.json")}
		for _, rel := range strays {
			writeStorage(n, rel, "{}\n")
		}

		_ = startRestrictedDaemon(n, watched, operator)
		for _, rel := range strays {
			Eventually(filepath.Join(n.storageDir, rel), timeout).ShouldNot(BeAnExistingFile())
		}
		Expect(readStorage(n, theirFile)()).To(Equal(string(expectedFile(theirs))))
	})

	It("rewrites a profile's files that were changed behind its back", func(ctx SpecContext) {
		ns := newNamespace(ctx)
		n := newNode(ctx)
		sp := newProfile(ns, "tampered")
		Expect(env.Client.Create(ctx, sp)).To(Succeed())
		writeStorage(n, filepath.Join(ns, "tampered.json"), `{"defaultAction":"SCMP_ACT_ALLOW"}`)
		writeStorage(n, filepath.Join(ns, "audit", "tampered.json"), `{"defaultAction":"SCMP_ACT_ALLOW"}`)

		startDaemon(n)
		Eventually(readStorage(n, filepath.Join(ns, "tampered.json")), timeout).Should(Equal(string(expectedFile(sp))))
		Eventually(readStorage(n, filepath.Join(ns, "audit", "tampered.json")), timeout).Should(Equal(string(expectedAuditCopy(sp))))
	})

	It("deletes this node's statuses of the earlier shape and leaves other nodes' alone", func(ctx SpecContext) {
		ns := newNamespace(ctx)
		n := newNode(ctx)
		// "a-" names sort first: a sweep that wrongly took other nodes'
		// objects would reach them before this node's.
		otherNode := "a-" + n.name
		app := newProfile(ns, "app")
		Expect(env.Client.Create(ctx, app)).To(Succeed())
		ours := oldShapeStatus(ns, "app", n.name)
		Expect(env.Client.Create(ctx, ours)).To(Succeed())
		var theirs []*nodestatusv1alpha1.SecurityProfileNodeStatus
		for _, st := range []*nodestatusv1alpha1.SecurityProfileNodeStatus{
			oldShapeStatus(ns, "app", otherNode),
			perNodeStatus(ns, otherNode, entry(kind, "deleted", "uid-of-deleted")),
		} {
			Expect(env.Client.Create(ctx, st)).To(Succeed())
			theirs = append(theirs, st)
		}

		startDaemon(n)
		Eventually(func() error {
			return env.Client.Get(ctx, client.ObjectKeyFromObject(ours), &nodestatusv1alpha1.SecurityProfileNodeStatus{})
		}, timeout).Should(Satisfy(apierrors.IsNotFound))
		Eventually(nodeState(ns, n.name, "app"), timeout).Should(Equal(installed))
		for _, st := range theirs {
			now := &nodestatusv1alpha1.SecurityProfileNodeStatus{}
			Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(st), now)).To(Succeed())
			Expect(now).To(Equal(st), st.Name)
		}
	})

	It("forgets the states of profiles deleted or made anew while it was down and keeps the others Installed", func(ctx SpecContext) {
		ns := newNamespace(ctx)
		n := newNode(ctx)
		keptA, keptB, remade := newProfile(ns, "kept-a"), newProfile(ns, "kept-b"), newProfile(ns, "remade")
		for _, sp := range []*seccompprofilev1beta1.SeccompProfile{keptA, keptB, remade} {
			Expect(env.Client.Create(ctx, sp)).To(Succeed())
		}
		// What the daemon's last run wrote: remade's state is of the
		// profile deleted since, which bore another UID. The AppArmor
		// state is of a kind this daemon does not install, so no one
		// here can judge it.
		notMine := entry("AppArmorProfile", "not-mine", "uid-of-not-mine")
		earlier := perNodeStatus(ns, n.name, notMine,
			entry(kind, "deleted", "uid-of-deleted"),
			entry(kind, "kept-a", keptA.UID), entry(kind, "kept-b", keptB.UID),
			entry(kind, "remade", "uid-of-the-earlier-remade"))
		Expect(env.Client.Create(ctx, earlier)).To(Succeed())
		versions := watchStatus(ctx, earlier)

		startDaemon(n)
		Eventually(nodeState(ns, n.name, "deleted"), timeout).Should(Equal(notReported))
		// The daemon reconciles remade too, which replaces the entry
		// whether the sweep forgot it or not: this checks the outcome, not
		// the sweep's UID test by itself.
		Eventually(func(g Gomega) *nodestatusv1alpha1.ProfileNodeState {
			st, err := nodestatus.Lookup(ctx, env.Client, ns, n.name, kind, "remade")
			g.Expect(err).NotTo(HaveOccurred())
			return st
		}, timeout).Should(HaveField("UID", remade.UID))
		now := &nodestatusv1alpha1.SecurityProfileNodeStatus{}
		Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(earlier), now)).To(Succeed())
		Expect(now.Find("AppArmorProfile", "not-mine")).To(Equal(&notMine))

		// Every version written since the start listed the profiles that
		// still exist as Installed: to the manager they never went back
		// to Pending.
		written := versions()
		Expect(written).NotTo(BeEmpty())
		for _, v := range written {
			for _, sp := range []*seccompprofilev1beta1.SeccompProfile{keptA, keptB} {
				Expect(v.Find(kind, sp.Name)).To(Equal(ptr.To(entry(kind, sp.Name, sp.UID))),
					"version %s of the node status", v.ResourceVersion)
			}
		}
	})
})

func newProfile(ns, name string) *seccompprofilev1beta1.SeccompProfile {
	return &seccompprofilev1beta1.SeccompProfile{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: seccompprofilev1beta1.SeccompProfileSpec{
			DefaultAction: seccompprofilev1beta1.ActionErrno,
			Syscalls: []seccompprofilev1beta1.Syscall{{
				Action: seccompprofilev1beta1.ActionAllow,
				Names:  []seccompprofilev1beta1.SyscallName{"exit", "exit_group"},
			}},
		},
	}
}

// Answers of nodeState besides "State/Reason: Message".
var (
	notReported = "not reported"
	installed   = string(profilebasev1alpha1.StateInstalled) + "/" + seccomp.ReasonInstalled + ": "
)

// nodeState returns what node reports in ns for the SeccompProfile named
// profile, as "State/Reason: Message", or notReported. The daemon writes
// asynchronously: callers poll it.
func nodeState(ns, node, profile string) func(Gomega) string {
	return func(g Gomega) string {
		st, err := nodestatus.Lookup(context.Background(), env.Client, ns, node, kind, profile)
		g.Expect(err).NotTo(HaveOccurred())
		if st == nil {
			return notReported
		}
		return string(st.Status) + "/" + st.Reason + ": " + st.Message
	}
}

// entry is an Installed state, as the daemon writes it.
func entry(k nodestatusv1alpha1.ProfileKind, profile string, uid types.UID) nodestatusv1alpha1.ProfileNodeState {
	return nodestatusv1alpha1.ProfileNodeState{Kind: k, Name: profile, UID: uid,
		Status: profilebasev1alpha1.StateInstalled, Reason: seccomp.ReasonInstalled}
}

// perNodeStatus is node's status in ns as a daemon writes it, listing
// entries.
func perNodeStatus(ns, node string, entries ...nodestatusv1alpha1.ProfileNodeState) *nodestatusv1alpha1.SecurityProfileNodeStatus {
	s := &nodestatusv1alpha1.SecurityProfileNodeStatus{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: node,
			Labels: map[string]string{keys.NodeNameLabel: nodestatus.LabelValue(node)}},
		NodeName: node,
	}
	s.SetStates(entries)
	return s
}

// oldShapeStatus is a node status as versions before one object per node
// and namespace wrote it: one per profile and node, named
// "<kind>-<profile>-<node>-<hash>". Its profile fields are gone from the
// API, so it lists nothing.
func oldShapeStatus(ns, profile, node string) *nodestatusv1alpha1.SecurityProfileNodeStatus {
	return &nodestatusv1alpha1.SecurityProfileNodeStatus{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "seccompprofile-" + profile + "-" + node + "-0123456789abcdef",
			Labels: map[string]string{keys.NodeNameLabel: nodestatus.LabelValue(node)}},
		NodeName: node,
	}
}

// watchStatus watches st's object from its current version on, until the
// spec ends, and returns a function listing the versions seen so far.
func watchStatus(ctx context.Context, st *nodestatusv1alpha1.SecurityProfileNodeStatus) func() []*nodestatusv1alpha1.SecurityProfileNodeStatus {
	wc, err := client.NewWithWatch(env.Config, client.Options{Scheme: env.Scheme})
	Expect(err).NotTo(HaveOccurred())
	w, err := wc.Watch(ctx, &nodestatusv1alpha1.SecurityProfileNodeStatusList{}, client.InNamespace(st.Namespace),
		client.MatchingFields{"metadata.name": st.Name}, &client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: st.ResourceVersion}})
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(w.Stop)
	var (
		mu   sync.Mutex
		seen []*nodestatusv1alpha1.SecurityProfileNodeStatus
	)
	go func() {
		for ev := range w.ResultChan() {
			if obj, ok := ev.Object.(*nodestatusv1alpha1.SecurityProfileNodeStatus); ok {
				mu.Lock()
				seen = append(seen, obj)
				mu.Unlock()
			}
		}
	}()
	return func() []*nodestatusv1alpha1.SecurityProfileNodeStatus {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(seen)
	}
}

func writeStorage(n simNode, rel, data string) {
	path := filepath.Join(n.storageDir, rel)
	Expect(os.MkdirAll(filepath.Dir(path), 0o755)).To(Succeed())
	Expect(os.WriteFile(path, []byte(data), 0o644)).To(Succeed())
}

func readStorage(n simNode, rel string) func() string {
	return func() string {
		data, _ := os.ReadFile(filepath.Join(n.storageDir, rel))
		return string(data)
	}
}

// expectedFile is what the daemon installs for sp when spod sets no limits.
func expectedFile(sp *seccompprofilev1beta1.SeccompProfile) []byte {
	data, err := seccomp.Encode(resolved(sp), seccomp.LimitsOf(spodv1alpha1.SPODSpec{}))
	Expect(err).NotTo(HaveOccurred())
	return data
}

// expectedAuditCopy is sp's audit copy when spod allows every syscall.
func expectedAuditCopy(sp *seccompprofilev1beta1.SeccompProfile) []byte {
	data, err := internalseccomp.EncodeOCI(internalseccomp.AuditCopyWithin(resolved(sp), nil))
	Expect(err).NotTo(HaveOccurred())
	return data
}

func resolved(sp *seccompprofilev1beta1.SeccompProfile) internalseccomp.Profile {
	p, err := seccomp.Resolve(sp.Spec, func(string) (*seccompprofilev1beta1.SeccompProfileSpec, bool) { return nil, false })
	Expect(err).NotTo(HaveOccurred())
	return p
}
