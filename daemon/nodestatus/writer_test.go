package nodestatus_test

import (
	"context"
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	"github.com/securityprofiles/operator/daemon/nodestatus"
)

var installed = nodestatus.State{Status: profilebasev1alpha1.StateInstalled, Reason: "ProfileInstalled", Message: "installed at /x"}

// fixture makes a node and a namespace of its own for each spec.
func fixture() (node *corev1.Node, ns string) {
	node = &corev1.Node{ObjectMeta: metav1.ObjectMeta{GenerateName: "node-"}}
	Expect(env.Client.Create(ctx(), node)).To(Succeed())
	nsObj := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "ns-"}}
	Expect(env.Client.Create(ctx(), nsObj)).To(Succeed())
	return node, nsObj.Name
}

// profile is a SeccompProfile object as a reconciler holds it; the writer
// reads only its namespace, name and UID.
func profile(ns, name string) *seccompprofilev1beta1.SeccompProfile {
	return &seccompprofilev1beta1.SeccompProfile{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name,
		UID: types.UID("uid-" + name)}}
}

func status(ns, node string) (*nodestatusv1alpha1.SecurityProfileNodeStatus, error) {
	obj := &nodestatusv1alpha1.SecurityProfileNodeStatus{}
	return obj, env.Client.Get(ctx(), types.NamespacedName{Namespace: ns, Name: node}, obj)
}

// writes counts the writes of node statuses in ns until stop is called.
func writes(ns string) (count func() int, stop func()) {
	wc, err := client.NewWithWatch(env.Config, client.Options{Scheme: env.Scheme})
	Expect(err).NotTo(HaveOccurred())
	w, err := wc.Watch(ctx(), &nodestatusv1alpha1.SecurityProfileNodeStatusList{}, client.InNamespace(ns))
	Expect(err).NotTo(HaveOccurred())
	n := make(chan int, 1)
	n <- 0
	go func() {
		for ev := range w.ResultChan() {
			if ev.Type == watch.Added || ev.Type == watch.Modified || ev.Type == watch.Deleted {
				n <- (<-n) + 1
			}
		}
	}()
	return func() int { v := <-n; n <- v; return v }, w.Stop
}

var _ = Describe("Writer", func() {
	It("writes a namespace's states as one object named after the node, owned by it, in one write per burst", func() {
		node, ns := fixture()
		count, stop := writes(ns)
		defer stop()
		w := nodestatus.NewWriter(env.Client, env.Client, node.Name)
		for i := 99; i >= 0; i-- {
			changed, err := w.Set(ctx(), profile(ns, fmt.Sprintf("p-%02d", i)), "SeccompProfile", installed)
			Expect(err).NotTo(HaveOccurred())
			Expect(changed).To(BeTrue())
		}
		Expect(w.Set(ctx(), profile(ns, "bad"), "SeccompProfile", nodestatus.State{
			Status: profilebasev1alpha1.StateError, Reason: "CannotSaveSeccompProfile", Message: strings.Repeat("x", 5000)})).To(BeTrue())
		Expect(w.Sync(ctx())).To(Succeed())

		obj, err := status(ns, node.Name)
		Expect(err).NotTo(HaveOccurred())
		Expect(obj.PerNode()).To(BeTrue())
		Expect(obj.NodeName).To(Equal(node.Name))
		Expect(obj.Labels).To(Equal(map[string]string{keys.NodeNameLabel: node.Name}))
		Expect(obj.OwnerReferences).To(ConsistOf(metav1.OwnerReference{APIVersion: "v1", Kind: "Node",
			Name: node.Name, UID: node.UID}))
		Expect(obj.ProfileCount).To(BeEquivalentTo(101))
		Expect(obj.InstalledCount).To(BeEquivalentTo(100))
		Expect(obj.Profiles).To(Equal([]nodestatusv1alpha1.ProfileNodeState{{Kind: "SeccompProfile", Name: "bad",
			UID: "uid-bad", Status: profilebasev1alpha1.StateError, Reason: "CannotSaveSeccompProfile",
			Message: strings.Repeat("x", 1021) + "..."}}), "the states other than Installed; messages cut to the API's limit")
		Expect(obj.Installed).To(HaveLen(100))
		Expect(obj.Installed[:2]).To(Equal([]string{"SeccompProfile/p-00/uid-p-00", "SeccompProfile/p-01/uid-p-01"}),
			"the Installed ones as kind/name/uid, sorted, without reason or message")
		Expect(obj.Find("SeccompProfile", "p-00")).To(Equal(&nodestatusv1alpha1.ProfileNodeState{Kind: "SeccompProfile", Name: "p-00",
			UID: "uid-p-00", Status: profilebasev1alpha1.StateInstalled, Reason: nodestatusv1alpha1.ReasonInstalled}))
		Expect(obj.Find("SeccompProfile", "p-57").UID).To(BeEquivalentTo("uid-p-57"))
		Expect(obj.Find("SelinuxProfile", "p-57")).To(BeNil())
		Eventually(count, timeout).Should(Equal(1), "101 states, one create")
		Consistently(count, "300ms").Should(Equal(1))

		changed, err := w.Set(ctx(), profile(ns, "p-07"), "SeccompProfile", installed)
		Expect(err).NotTo(HaveOccurred())
		Expect(changed).To(BeFalse(), "the same state again is no change")
		Expect(w.Sync(ctx())).To(Succeed())
		Consistently(count, "300ms").Should(Equal(1), "and no write")
	})

	It("writes in the background once started, and deletes the object when the last state goes", func() {
		node, ns := fixture()
		w := nodestatus.NewWriter(env.Client, env.Client, node.Name)
		c, cancel := context.WithCancel(ctx())
		defer cancel()
		go func() { _ = w.Start(c) }()
		Expect(w.Set(ctx(), profile(ns, "a"), "SeccompProfile", installed)).To(BeTrue())
		Expect(w.Set(ctx(), profile(ns, "a"), "AppArmorProfile", nodestatus.State{Status: profilebasev1alpha1.StatePending})).To(BeTrue())
		Eventually(func() (*nodestatusv1alpha1.ProfileNodeState, error) {
			return nodestatus.Lookup(ctx(), env.Client, ns, node.Name, "AppArmorProfile", "a")
		}, timeout).Should(HaveField("Status", profilebasev1alpha1.StatePending))

		Expect(w.Delete(ctx(), ns, "SeccompProfile", "a")).To(Succeed())
		Expect(w.Delete(ctx(), ns, "SeccompProfile", "never-set")).To(Succeed())
		Eventually(func() (*nodestatusv1alpha1.ProfileNodeState, error) {
			return nodestatus.Lookup(ctx(), env.Client, ns, node.Name, "SeccompProfile", "a")
		}, timeout).Should(BeNil())
		Expect(w.Delete(ctx(), ns, "AppArmorProfile", "a")).To(Succeed())
		Eventually(func() bool {
			_, err := status(ns, node.Name)
			return apierrors.IsNotFound(err)
		}, timeout).Should(BeTrue(), "an object listing nothing is deleted")
	})

	It("keeps what an earlier run of the daemon wrote, and writes over a version changed behind its back", func() {
		node, ns := fixture()
		first := nodestatus.NewWriter(env.Client, env.Client, node.Name)
		Expect(first.Set(ctx(), profile(ns, "kept"), "SeccompProfile", installed)).To(BeTrue())
		Expect(first.Set(ctx(), profile(ns, "changed"), "SeccompProfile", installed)).To(BeTrue())
		Expect(first.Sync(ctx())).To(Succeed())

		// The daemon restarts.
		second := nodestatus.NewWriter(env.Client, env.Client, node.Name)
		changed, err := second.Set(ctx(), profile(ns, "kept"), "SeccompProfile", installed)
		Expect(err).NotTo(HaveOccurred())
		Expect(changed).To(BeFalse(), "the state read back is the same")

		// Someone edits the object; this writer still holds the node's truth.
		obj, err := status(ns, node.Name)
		Expect(err).NotTo(HaveOccurred())
		obj.Installed = obj.Installed[:1]
		Expect(env.Client.Update(ctx(), obj)).To(Succeed())
		Expect(second.Set(ctx(), profile(ns, "changed"), "SeccompProfile", nodestatus.State{
			Status: profilebasev1alpha1.StateError, Reason: "R"})).To(BeTrue())
		Expect(second.Sync(ctx())).To(Succeed())
		obj, err = status(ns, node.Name)
		Expect(err).NotTo(HaveOccurred())
		Expect(obj.States()).To(HaveLen(2))
		Expect(obj.Find("SeccompProfile", "kept").Status).To(Equal(profilebasev1alpha1.StateInstalled))
		Expect(obj.Find("SeccompProfile", "changed").Status).To(Equal(profilebasev1alpha1.StateError))
	})

	It("reads the Installed states an earlier version kept in profiles, and moves them to installed", func() {
		node, ns := fixture()
		earlier := &nodestatusv1alpha1.SecurityProfileNodeStatus{
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: node.Name, Labels: map[string]string{keys.NodeNameLabel: node.Name}},
			NodeName:   node.Name,
			Profiles: []nodestatusv1alpha1.ProfileNodeState{{Kind: "SeccompProfile", Name: "old", UID: "uid-old",
				Status: profilebasev1alpha1.StateInstalled, Reason: "ProfileInstalled"}},
		}
		Expect(env.Client.Create(ctx(), earlier)).To(Succeed())
		w := nodestatus.NewWriter(env.Client, env.Client, node.Name)
		changed, err := w.Set(ctx(), profile(ns, "old"), "SeccompProfile", installed)
		Expect(err).NotTo(HaveOccurred())
		Expect(changed).To(BeFalse(), "the state read back is the same")
		Expect(w.Set(ctx(), profile(ns, "new"), "SeccompProfile", installed)).To(BeTrue())
		Expect(w.Sync(ctx())).To(Succeed())
		obj, err := status(ns, node.Name)
		Expect(err).NotTo(HaveOccurred())
		Expect(obj.Installed).To(Equal([]string{"SeccompProfile/new/uid-new", "SeccompProfile/old/uid-old"}))
		Expect(obj.Profiles).To(BeEmpty())
	})

	It("reports a write it cannot make and retries it", func() {
		node, ns := fixture()
		w := nodestatus.NewWriter(env.Client, env.Client, node.Name)
		// A name the API refuses: the writer must report it, not lose it.
		Expect(w.Set(ctx(), profile(ns, strings.Repeat("n", 254)), "SeccompProfile", installed)).To(BeTrue())
		Expect(w.Sync(ctx())).To(MatchError(ContainSubstring("Too long")))
		Expect(w.Sync(ctx())).To(MatchError(ContainSubstring("Too long")), "still pending: tried again")
		Expect(w.Delete(ctx(), ns, "SeccompProfile", strings.Repeat("n", 254))).To(Succeed())
		Expect(w.Sync(ctx())).To(Succeed(), "the namespace stayed dirty and is written once the state is valid")
		_, err := status(ns, node.Name)
		Expect(apierrors.IsNotFound(err)).To(BeTrue())
	})
})

var _ = Describe("Writer resync", func() {
	It("rewrites an object deleted behind its back, owned by the node as it is now", func() {
		node, ns := fixture()
		w := nodestatus.NewWriter(env.Client, env.Client, node.Name)
		Expect(w.Set(ctx(), profile(ns, "a"), "SeccompProfile", installed)).To(BeTrue())
		Expect(w.Sync(ctx())).To(Succeed())

		Expect(w.Resync(ctx())).To(Succeed())
		Expect(w.Sync(ctx())).To(Succeed())
		before, err := status(ns, node.Name)
		Expect(err).NotTo(HaveOccurred())

		// The Node is replaced under the same name, and the garbage
		// collector (none runs here) deletes the statuses it owned.
		Expect(env.Client.Delete(ctx(), node)).To(Succeed())
		Expect(env.Client.Delete(ctx(), before)).To(Succeed())
		replaced := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: node.Name}}
		Expect(env.Client.Create(ctx(), replaced)).To(Succeed())

		Expect(w.Resync(ctx())).To(Succeed())
		Expect(w.Sync(ctx())).To(Succeed())
		after, err := status(ns, node.Name)
		Expect(err).NotTo(HaveOccurred())
		Expect(after.UID).NotTo(Equal(before.UID))
		Expect(after.OwnerReferences).To(ConsistOf(HaveField("UID", replaced.UID)))
		Expect(after.Find("SeccompProfile", "a")).NotTo(BeNil())
	})

	It("leaves an object that matches alone", func() {
		node, ns := fixture()
		w := nodestatus.NewWriter(env.Client, env.Client, node.Name)
		Expect(w.Set(ctx(), profile(ns, "a"), "SeccompProfile", installed)).To(BeTrue())
		Expect(w.Sync(ctx())).To(Succeed())
		count, stop := writes(ns)
		defer stop()
		// A watch starts with the object as it is: one event.
		Eventually(count, timeout).Should(Equal(1))
		Expect(w.Resync(ctx())).To(Succeed())
		Expect(w.Sync(ctx())).To(Succeed())
		Consistently(count, "300ms").Should(Equal(1), "no write")

		// An edit is undone.
		obj, err := status(ns, node.Name)
		Expect(err).NotTo(HaveOccurred())
		obj.Installed = nil
		obj.Profiles = []nodestatusv1alpha1.ProfileNodeState{{Kind: "SeccompProfile", Name: "a", UID: "uid-a", Status: profilebasev1alpha1.StateError}}
		Expect(env.Client.Update(ctx(), obj)).To(Succeed())
		Expect(w.Resync(ctx())).To(Succeed())
		Expect(w.Sync(ctx())).To(Succeed())
		Expect(nodestatus.Lookup(ctx(), env.Client, ns, node.Name, "SeccompProfile", "a")).To(HaveField("Status", profilebasev1alpha1.StateInstalled))
	})
})
