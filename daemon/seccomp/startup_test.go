package seccomp_test

import (
	"context"
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

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

	It("replaces node statuses an earlier version wrote under other names", func(ctx SpecContext) {
		ns := newNamespace(ctx)
		n := newNode(ctx)
		installed := newProfile(ns, "installed")
		partial := newProfile(ns, "partial")
		partial.Labels = map[string]string{keys.PartialLabel: "true"}
		for _, sp := range []*seccompprofilev1beta1.SeccompProfile{installed, partial} {
			Expect(env.Client.Create(ctx, sp)).To(Succeed())
			Expect(env.Client.Create(ctx, earlierStatus(sp, n.name))).To(Succeed())
		}

		startDaemon(n)
		Eventually(statusNames(ns, n.name), timeout).Should(ConsistOf(nodestatus.Name(kind, "installed", n.name)))
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

// earlierStatus is sp's node status as versions that named it
// "<kind>-<profile>-<node>" wrote it.
func earlierStatus(sp *seccompprofilev1beta1.SeccompProfile, node string) *nodestatusv1alpha1.SecurityProfileNodeStatus {
	st := &nodestatusv1alpha1.SecurityProfileNodeStatus{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: sp.Namespace,
			Name:      "seccompprofile-" + sp.Name + "-" + node,
			Labels: map[string]string{
				keys.ProfileIDLabel:    nodestatus.ProfileID(kind, sp.Name),
				keys.NodeNameLabel:     nodestatus.LabelValue(node),
				keys.ProfileStateLabel: string(profilebasev1alpha1.StateInstalled),
			},
		},
		NodeName: node, ProfileKind: kind, ProfileName: sp.Name,
		Status: profilebasev1alpha1.StateInstalled, Reason: seccomp.ReasonInstalled,
	}
	Expect(controllerutil.SetOwnerReference(sp, st, env.Scheme)).To(Succeed())
	return st
}

// statusNames lists the names of node's statuses in ns.
func statusNames(ns, node string) func(Gomega) []string {
	return func(g Gomega) []string {
		list := &nodestatusv1alpha1.SecurityProfileNodeStatusList{}
		g.Expect(env.Client.List(context.Background(), list, client.InNamespace(ns),
			client.MatchingLabels{keys.NodeNameLabel: nodestatus.LabelValue(node)})).To(Succeed())
		var names []string
		for _, s := range list.Items {
			names = append(names, s.Name)
		}
		return names
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
