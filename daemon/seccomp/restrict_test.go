package seccomp_test

import (
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	"github.com/securityprofiles/operator/daemon/nodestatus"
)

// A namespaced install (RESTRICT_TO_NAMESPACE) may share its nodes with
// other installs of the operator restricted to other namespaces: the
// objects below in "other" are theirs.
var _ = Describe("A daemon restricted to one namespace (agent.Config.CacheOptions)", func() {
	It("installs that namespace's profiles and caches nothing of other namespaces", func(ctx SpecContext) {
		watched, other, operator := newNamespace(ctx), newNamespace(ctx), newNamespace(ctx)
		n := newNode(ctx)

		// Everything exists before the daemon starts, so the cache's first
		// sync decides, once and for all, what it holds.
		for _, ns := range []string{watched, other} {
			Expect(env.Client.Create(ctx, newProfile(ns, "app"))).To(Succeed())
		}
		Expect(env.Client.Create(ctx, foreignStatus(other, "app", n.name))).To(Succeed())
		Expect(env.Client.Create(ctx, newPod(watched, "on-node", n.name))).To(Succeed())
		Expect(env.Client.Create(ctx, newPod(watched, "elsewhere", "another-node"))).To(Succeed())
		Expect(env.Client.Create(ctx, newPod(other, "on-node", n.name))).To(Succeed())

		mgr := startRestrictedDaemon(n, watched, operator)
		Eventually(filepath.Join(n.storageDir, watched, "app.json"), timeout).Should(BeAnExistingFile())

		// The reconcilers act on what the cache delivers: a profile it
		// does not hold is never installed here. (Its file not being
		// there yet would prove nothing: it might come a moment later.)
		c := mgr.GetCache()
		Expect(c.WaitForCacheSync(ctx)).To(BeTrue())
		profiles := &seccompprofilev1beta1.SeccompProfileList{}
		Expect(c.List(ctx, profiles)).To(Succeed())
		Expect(keysOf(profiles.Items)).To(ConsistOf(watched + "/app"))

		// The kinds with their own cache entry: the namespace restriction
		// adds to the entry's selector and does not replace it.
		statuses := &nodestatusv1alpha1.SecurityProfileNodeStatusList{}
		Expect(c.List(ctx, statuses)).To(Succeed())
		Expect(keysOf(statuses.Items)).NotTo(ContainElement(HavePrefix(other + "/")))
		pods := &corev1.PodList{}
		Expect(c.List(ctx, pods)).To(Succeed())
		Expect(keysOf(pods.Items)).To(ConsistOf(watched + "/on-node"))
	})
})

// foreignStatus is the node status another install's daemon on node
// wrote for its profile.
func foreignStatus(ns, profile, node string) *nodestatusv1alpha1.SecurityProfileNodeStatus {
	const kind nodestatusv1alpha1.ProfileKind = "SeccompProfile"
	return &nodestatusv1alpha1.SecurityProfileNodeStatus{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: ns, Name: nodestatus.Name(kind, profile, node),
			Labels: map[string]string{keys.NodeNameLabel: nodestatus.LabelValue(node)},
		},
		NodeName: node, ProfileKind: kind, ProfileName: profile,
	}
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
