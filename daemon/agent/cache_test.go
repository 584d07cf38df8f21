package agent

import (
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
)

// byKind returns the ByObject entry for the kind of obj.
func byKind[T client.Object](g Gomega, opts cache.Options) cache.ByObject {
	for o, b := range opts.ByObject {
		if _, ok := o.(T); ok {
			return b
		}
	}
	g.Expect(false).To(BeTrue(), "no cache entry for %T", *new(T))
	return cache.ByObject{}
}

func TestCacheOptions(t *testing.T) {
	onNode := fields.Set{"spec.nodeName": "node-a"}
	recorded := labels.Set{keys.EnableRecordingLabel: "true"}
	labelledEmpty := labels.Set{keys.EnableRecordingLabel: ""}
	other := labels.Set{"app": "web"}

	for _, memOpt := range []bool{false, true} {
		g := NewWithT(t)
		opts := Config{NodeName: "node-a", MemoryOptimization: memOpt}.CacheOptions()

		pods := byKind[*corev1.Pod](g, opts)
		g.Expect(pods.Field.Matches(onNode)).To(BeTrue())
		g.Expect(pods.Field.Matches(fields.Set{"spec.nodeName": "node-b"})).To(BeFalse())
		if memOpt {
			g.Expect(pods.Label.Matches(recorded)).To(BeTrue())
			g.Expect(pods.Label.Matches(labelledEmpty)).To(BeTrue(), "the label's presence is what counts")
			g.Expect(pods.Label.Matches(other)).To(BeFalse())
		} else {
			g.Expect(pods.Label).To(BeNil(), "every pod on the node")
		}

		g.Expect(pods.Transform).NotTo(BeNil())
		slim, err := pods.Transform(&corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Env: []corev1.EnvVar{{Name: "A"}}}}}})
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(slim.(*corev1.Pod).Spec.Containers[0].Env).To(BeEmpty(), "pods are trimmed (podcache.Daemon)")

		g.Expect(opts.DefaultTransform).NotTo(BeNil())
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}}}}
		out, err := opts.DefaultTransform(pod)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(out.(*corev1.Pod).ManagedFields).To(BeEmpty())
		g.Expect(out.(*corev1.Pod).Name).To(Equal("p"))
	}
}

// TestCacheOptionsHoldNoNodeStatus: the daemon writes its node's statuses
// from memory and reads them from the API server only at start
// (nodestatus.Writer), so no configuration gives the kind a cache entry,
// which would only hold every node's statuses in every daemon.
func TestCacheOptionsHoldNoNodeStatus(t *testing.T) {
	for _, cfg := range []Config{
		{NodeName: "node-a"},
		{NodeName: "node-a", MemoryOptimization: true},
		{NodeName: "node-a", WatchNamespace: "team-a"},
	} {
		for obj := range cfg.CacheOptions().ByObject {
			if _, ok := obj.(*nodestatusv1alpha1.SecurityProfileNodeStatus); ok {
				t.Errorf("%+v: the cache has an entry for SecurityProfileNodeStatus", cfg)
			}
		}
	}
}

func TestCacheOptionsDefault(t *testing.T) {
	g := NewWithT(t)
	g.Expect(byKind[*corev1.Pod](g, CacheOptions("node-a")).Label).To(BeNil())
}

func TestCacheOptionsRestricted(t *testing.T) {
	g := NewWithT(t)
	g.Expect(Config{NodeName: "node-a"}.CacheOptions().DefaultNamespaces).To(BeNil(), "every namespace")

	opts := Config{NodeName: "node-a", WatchNamespace: "team-a"}.CacheOptions()
	g.Expect(opts.DefaultNamespaces).To(HaveLen(2))
	g.Expect(opts.DefaultNamespaces).To(HaveKey("team-a"))
	g.Expect(opts.DefaultNamespaces).To(HaveKey(DefaultOperatorNamespace), "spod lives there")
	// An entry's own Namespaces would replace DefaultNamespaces for its
	// kind (restrict_test.go shows that against the API server).
	for obj, by := range opts.ByObject {
		g.Expect(by.Namespaces).To(BeNil(), "%T", obj)
	}
}
