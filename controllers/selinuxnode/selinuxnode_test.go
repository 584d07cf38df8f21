package selinuxnode_test

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/controllers/selinuxnode"
)

// Events about a cluster-scoped object land in the default namespace.
const eventNamespace = metav1.NamespaceDefault

var _ = Describe("SELinux node label", func() {
	It("labels a node whose kernel has no SELinux unsupported, keeps its other labels and says so on the node", func() {
		node := newNode(map[string]string{"topology.kubernetes.io/zone": "zone-a"})
		pod := newDaemonPod(operatorNamespace, node.Name, daemonSet)

		finishProbe(pod, 0, spodv1alpha1.SelinuxUnsupported)

		Eventually(selinuxLabel(node), timeout).Should(Equal(spodv1alpha1.SelinuxUnsupported))
		got := &corev1.Node{}
		Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(node), got)).To(Succeed())
		Expect(got.Labels).To(HaveKeyWithValue("topology.kubernetes.io/zone", "zone-a"))
		Eventually(nodeEvents(node), timeout).Should(ConsistOf(
			eventNamespace + " " + corev1.EventTypeNormal + " " + selinuxnode.ReasonSelinuxUnsupported))
	})

	It("labels a node whose kernel runs SELinux supported, once", func() {
		node := newNode(nil)
		pod := newDaemonPod(operatorNamespace, node.Name, daemonSet)
		finishProbe(pod, 0, spodv1alpha1.SelinuxSupported)
		Eventually(selinuxLabel(node), timeout).Should(Equal(spodv1alpha1.SelinuxSupported))
		labelled := eventNamespace + " " + corev1.EventTypeNormal + " " + selinuxnode.ReasonSelinuxSupported
		Eventually(nodeEvents(node), timeout).Should(ConsistOf(labelled))

		// The kubelet writes the pod's status again (here: the same
		// result with the newline a shell echo leaves).
		finishProbe(pod, 0, spodv1alpha1.SelinuxSupported+"\n")
		expectEarlierPodEventsHandled()

		// The API server drops a patch that changes nothing without a new
		// resourceVersion, so a repeated patch shows only in a repeated
		// Event, which the recorder sends asynchronously: hence the wait.
		Consistently(nodeEvents(node), 2*time.Second).Should(ConsistOf(labelled))
	})

	It("labels nothing while the probe runs or after it failed", func() {
		running := newNode(nil)
		setProbeState(newDaemonPod(operatorNamespace, running.Name, daemonSet), corev1.ContainerState{
			Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()},
		})
		failed := newNode(nil)
		// A failed probe writes no message; give it one to prove the exit
		// code alone decides.
		finishProbe(newDaemonPod(operatorNamespace, failed.Name, daemonSet), 1, spodv1alpha1.SelinuxUnsupported)

		expectEarlierPodEventsHandled()

		Expect(selinuxLabel(running)(Default)).To(BeEmpty())
		Expect(selinuxLabel(failed)(Default)).To(BeEmpty())
	})

	DescribeTable("labels nothing and warns on the node when the probe says something else",
		func(message string) {
			node := newNode(nil)
			finishProbe(newDaemonPod(operatorNamespace, node.Name, daemonSet), 0, message)

			expectEarlierPodEventsHandled()

			Expect(selinuxLabel(node)(Default)).To(BeEmpty())
			Eventually(nodeEvents(node), timeout).Should(ConsistOf(
				eventNamespace + " " + corev1.EventTypeWarning + " " + selinuxnode.ReasonInvalidProbe))
		},
		Entry("a verdict followed by more output", spodv1alpha1.SelinuxSupported+"\n{\"x\":1}"),
		Entry("a word that is no verdict", "yes"),
	)

	// Any user who may create pods may create one that looks like a daemon
	// pod; only the spod DaemonSet's pods in the operator namespace speak
	// for a node, or a user could steer selinuxd onto or off nodes.
	It("labels nothing from look-alike daemon pods", func() {
		userNamespace := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "user-"}}
		Expect(env.Client.Create(ctx(), userNamespace)).To(Succeed())
		elsewhere := newNode(nil)
		finishProbe(newDaemonPod(userNamespace.Name, elsewhere.Name, newDaemonSet(userNamespace.Name)), 0, spodv1alpha1.SelinuxSupported)
		ownerless := newNode(nil)
		finishProbe(newDaemonPod(operatorNamespace, ownerless.Name, nil), 0, spodv1alpha1.SelinuxSupported)

		expectEarlierPodEventsHandled()

		Expect(selinuxLabel(elsewhere)(Default)).To(BeEmpty())
		Expect(selinuxLabel(ownerless)(Default)).To(BeEmpty())
	})
})
