package webhooktest

import (
	"context"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Namespace creates a namespace with labels for one Ginkgo spec and
// deletes it when the spec ends.
func Namespace(ctx context.Context, c client.Client, prefix string, labels map[string]string) string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix, Labels: labels}}
	gomega.Expect(c.Create(ctx, ns)).To(gomega.Succeed())
	ginkgo.DeferCleanup(func(ctx ginkgo.SpecContext) {
		gomega.Expect(client.IgnoreNotFound(c.Delete(ctx, ns))).To(gomega.Succeed())
	})
	return ns.Name
}

// CreateWhen creates pod once a dry run of it satisfies ready, which is
// when the webhook's cache has caught up with the objects the spec just
// created; it drops the dry runs' warnings and returns the pod as stored.
func CreateWhen(ctx context.Context, c client.Client, w *Warnings, pod *corev1.Pod,
	ready func(gomega.Gomega, *corev1.Pod), timeout, interval time.Duration) *corev1.Pod {
	gomega.Eventually(func(g gomega.Gomega) {
		dry := pod.DeepCopy()
		g.Expect(c.Create(ctx, dry, client.DryRunAll)).To(gomega.Succeed())
		ready(g, dry)
	}).WithTimeout(timeout).WithPolling(interval).Should(gomega.Succeed())
	w.Take()
	gomega.Expect(c.Create(ctx, pod)).To(gomega.Succeed())
	stored := &corev1.Pod{}
	gomega.Expect(c.Get(ctx, client.ObjectKeyFromObject(pod), stored)).To(gomega.Succeed())
	return stored
}
