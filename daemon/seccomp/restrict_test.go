package seccomp_test

import (
	"context"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
)

// A namespaced install (RESTRICT_TO_NAMESPACE) may share its nodes with
// other installs of the operator restricted to other namespaces: the
// objects below in "other" are theirs.
var _ = Describe("A daemon restricted to one namespace (agent.Config.CacheOptions)", func() {
	It("installs that namespace's profiles and touches nothing of other namespaces", func(ctx SpecContext) {
		// "a-" sorts before "seccomp-": a daemon wrongly handling every
		// namespace would reach other's profiles and statuses first.
		other := newNamespaceNamed(ctx, "a-seccomp-")
		watched, operator := newNamespace(ctx), newNamespace(ctx)
		n := newNode(ctx)

		// Everything exists before the daemon starts, so the cache's first
		// sync decides, once and for all, what it holds.
		for _, ns := range []string{watched, other} {
			Expect(env.Client.Create(ctx, newProfile(ns, "app"))).To(Succeed())
		}
		theirs := foreignStatus(ctx, other, n.name)
		Expect(env.Client.Create(ctx, theirs)).To(Succeed())
		// The start-up sweep ran here once this entry is gone.
		Expect(env.Client.Create(ctx, perNodeStatus(watched, n.name, entry("SeccompProfile", "deleted", "uid-of-deleted")))).To(Succeed())
		Expect(env.Client.Create(ctx, newPod(watched, "on-node", n.name))).To(Succeed())
		Expect(env.Client.Create(ctx, newPod(watched, "elsewhere", "another-node"))).To(Succeed())
		Expect(env.Client.Create(ctx, newPod(other, "on-node", n.name))).To(Succeed())

		mgr := startRestrictedDaemon(n, watched, operator)
		Eventually(filepath.Join(n.storageDir, watched, "app.json"), timeout).Should(BeAnExistingFile())
		Eventually(nodeState(watched, n.name, "deleted"), timeout).Should(Equal(notReported))

		// The reconcilers act on what the cache delivers: a profile it
		// does not hold is never installed here. (Its file not being
		// there yet would prove nothing: it might come a moment later.)
		c := mgr.GetCache()
		Expect(c.WaitForCacheSync(ctx)).To(BeTrue())
		profiles := &seccompprofilev1beta1.SeccompProfileList{}
		Expect(c.List(ctx, profiles)).To(Succeed())
		Expect(keysOf(profiles.Items)).To(ConsistOf(watched + "/app"))
		pods := &corev1.PodList{}
		Expect(c.List(ctx, pods)).To(Succeed())
		Expect(keysOf(pods.Items)).To(ConsistOf(watched + "/on-node"))

		// A profile created now is reconciled after the ones there at
		// start (one worker, in order), and the writer writes other's
		// namespace, should anything have dirtied it, before watched's:
		// once this one is reported, other's status would have changed.
		Expect(env.Client.Create(ctx, newProfile(watched, "later"))).To(Succeed())
		Eventually(nodeState(watched, n.name, "later"), timeout).Should(Equal(installed))
		now := &nodestatusv1alpha1.SecurityProfileNodeStatus{}
		Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(theirs), now)).To(Succeed())
		Expect(now).To(Equal(theirs))
	})
})

// foreignStatus is the node status another install's daemon on node wrote
// in its namespace ns: its profile app waits, and it still lists a profile
// deleted since, which only that install may judge.
func foreignStatus(ctx context.Context, ns, node string) *nodestatusv1alpha1.SecurityProfileNodeStatus {
	app := &seccompprofilev1beta1.SeccompProfile{}
	Expect(env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "app"}, app)).To(Succeed())
	waiting := entry("SeccompProfile", "app", app.UID)
	waiting.Status, waiting.Reason, waiting.Message = profilebasev1alpha1.StatePending, "WaitingForTheirDaemon", "their daemon has not run yet"
	return perNodeStatus(ns, node, waiting, entry("SeccompProfile", "deleted", "uid-of-deleted"))
}

func newPod(ns, name, node string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "app", Image: "app"}}},
	}
}

// keysOf lists the namespace/name keys of objs.
func keysOf[T any, PT interface {
	*T
	client.Object
}](objs []T) []string {
	out := make([]string, 0, len(objs))
	for i := range objs {
		out = append(out, client.ObjectKeyFromObject(PT(&objs[i])).String())
	}
	return out
}
