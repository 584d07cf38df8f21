package selinuxnode_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/controllers/selinuxnode"
	"github.com/securityprofiles/operator/controllers/spod"
	"github.com/securityprofiles/operator/internal/podcache"
	"github.com/securityprofiles/operator/test/envtest"
)

const (
	operatorNamespace = "security-profiles-operator"
	timeout           = 10 * time.Second
	image             = "registry.example/spo-daemon:test"
)

var (
	env    *envtest.Env
	cancel context.CancelFunc
	// daemonSet is the spod DaemonSet the daemon pods name as controller.
	// Envtest runs no DaemonSet controller: specs create its pods.
	daemonSet *appsv1.DaemonSet
)

func TestSelinuxNode(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "SELinux node label controller suite")
}

var _ = BeforeSuite(func() {
	ctrl.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	var err error
	env, err = envtest.Start()
	Expect(err).NotTo(HaveOccurred())
	var ctx context.Context
	ctx, cancel = context.WithCancel(context.Background())
	Expect(env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: operatorNamespace}})).To(Succeed())
	daemonSet = newDaemonSet(operatorNamespace)

	// Pods are cached as cmd/manager caches them.
	opts := env.ManagerOptions()
	opts.Cache = cache.Options{ByObject: map[client.Object]cache.ByObject{&corev1.Pod{}: {Transform: podcache.Manager(operatorNamespace)}}}
	mgr, err := ctrl.NewManager(env.Config, opts)
	Expect(err).NotTo(HaveOccurred())
	Expect((&selinuxnode.Reconciler{
		Client:            mgr.GetClient(),
		APIReader:         mgr.GetAPIReader(),
		Events:            mgr.GetEventRecorder("selinuxnode-controller"),
		OperatorNamespace: operatorNamespace,
	}).SetupWithManager(mgr)).To(Succeed())
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

// ctx is a context for API calls made by specs.
func ctx() context.Context { return context.Background() }

// newDaemonSet creates a DaemonSet named and labelled as the spod one.
func newDaemonSet(namespace string) *appsv1.DaemonSet {
	labels := map[string]string{"name": spod.DaemonSetName}
	ds := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: spod.DaemonSetName},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: spod.DaemonSetName, Image: image}}},
			},
		},
	}
	Expect(env.Client.Create(ctx(), ds)).To(Succeed())
	return ds
}

// newNode creates a node with the given labels.
func newNode(labels map[string]string) *corev1.Node {
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{GenerateName: "node-", Labels: labels}}
	Expect(env.Client.Create(ctx(), node)).To(Succeed())
	return node
}

// newDaemonPod creates, as the DaemonSet controller would, a pod with the
// spod labels and the probe init container, bound to a node. owner is
// the controller reference, nil for none.
func newDaemonPod(namespace, node string, owner *appsv1.DaemonSet) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: namespace, GenerateName: spod.DaemonSetName + "-",
			Labels: map[string]string{"name": spod.DaemonSetName},
		},
		Spec: corev1.PodSpec{
			NodeName:       node,
			InitContainers: []corev1.Container{{Name: spod.SelinuxProbeContainer, Image: image}},
			Containers:     []corev1.Container{{Name: spod.DaemonSetName, Image: image}},
		},
	}
	if owner != nil {
		Expect(ctrl.SetControllerReference(owner, pod, env.Scheme)).To(Succeed())
	}
	Expect(env.Client.Create(ctx(), pod)).To(Succeed())
	return pod
}

// setProbeState writes, as the kubelet would, the state of the pod's
// probe init container.
func setProbeState(pod *corev1.Pod, state corev1.ContainerState) {
	Expect(retry.RetryOnConflict(retry.DefaultRetry, func() error {
		if err := env.Client.Get(ctx(), client.ObjectKeyFromObject(pod), pod); err != nil {
			return err
		}
		pod.Status.InitContainerStatuses = []corev1.ContainerStatus{{
			Name: spod.SelinuxProbeContainer, Image: image, State: state,
		}}
		return env.Client.Status().Update(ctx(), pod)
	})).To(Succeed())
}

// finishProbe ends the pod's probe with an exit code and a termination
// message.
func finishProbe(pod *corev1.Pod, exitCode int32, message string) {
	setProbeState(pod, corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
		ExitCode: exitCode, Message: message, Reason: "Completed",
	}})
}

// selinuxLabel reads a node's SELinux label; "" when it has none.
func selinuxLabel(node *corev1.Node) func(Gomega) string {
	return func(g Gomega) string {
		got := &corev1.Node{}
		g.Expect(env.Client.Get(ctx(), client.ObjectKeyFromObject(node), got)).To(Succeed())
		return got.Labels[spodv1alpha1.SelinuxNodeLabel]
	}
}

// nodeEvents lists the Events about a node in every namespace as
// "<namespace> <type> <reason>", once per time each was sent: the
// recorder folds a repeat into the first Event's series.
func nodeEvents(node *corev1.Node) func(Gomega) []string {
	return func(g Gomega) []string {
		list := &eventsv1.EventList{}
		g.Expect(env.Client.List(ctx(), list)).To(Succeed())
		var out []string
		for _, e := range list.Items {
			if e.Regarding.Kind != "Node" || e.Regarding.Name != node.Name || e.Regarding.UID != node.UID {
				continue
			}
			n := int32(1)
			if e.Series != nil {
				n = e.Series.Count
			}
			for range n {
				out = append(out, e.Namespace+" "+e.Type+" "+e.Reason)
			}
		}
		return out
	}
}

// expectEarlierPodEventsHandled labels a fresh node through a fresh
// daemon pod and waits for it. The controller handles pod changes in the
// order of the watch with one worker, so any pod change made before this
// call has been reconciled once it returns; a negative spec needs no long
// wait to know its pod was looked at.
func expectEarlierPodEventsHandled() {
	node := newNode(nil)
	finishProbe(newDaemonPod(operatorNamespace, node.Name, daemonSet), 0, spodv1alpha1.SelinuxSupported)
	Eventually(selinuxLabel(node), timeout).Should(Equal(spodv1alpha1.SelinuxSupported))
}
