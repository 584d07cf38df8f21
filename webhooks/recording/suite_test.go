package recording_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/test/webhooktest"
	"github.com/securityprofiles/operator/webhooks/recording"
)

// Timeouts for Eventually: cache and webhook-configuration propagation
// take milliseconds, but CI machines are shared.
const (
	timeout  = 30 * time.Second
	interval = 100 * time.Millisecond
)

var (
	suite    *webhooktest.Suite
	k8s      client.Client
	warnings = &webhooktest.Warnings{}
)

func TestRecording(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "recording.spo.io suite")
}

var _ = BeforeSuite(func() {
	var err error
	suite, err = webhooktest.Start(spodv1alpha1.RecordingWebhookName, recording.Setup)
	Expect(err).NotTo(HaveOccurred())
	k8s, err = suite.NewClient(warnings)
	Expect(err).NotTo(HaveOccurred())
})

var _ = AfterSuite(func() {
	if suite != nil {
		Expect(suite.Stop()).To(Succeed())
	}
})

// newNamespace creates a namespace with labels for one spec and deletes
// it afterwards.
func newNamespace(ctx context.Context, labels map[string]string) string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "recording-", Labels: labels}}
	Expect(k8s.Create(ctx, ns)).To(Succeed())
	DeferCleanup(func(ctx SpecContext) {
		Expect(client.IgnoreNotFound(k8s.Delete(ctx, ns))).To(Succeed())
	})
	return ns.Name
}

// createWhen creates pod once a dry run of it satisfies ready, which is
// when the webhook's cache has caught up with the recordings the spec
// just created; it returns the pod as stored.
func createWhen(ctx context.Context, pod *corev1.Pod, ready func(Gomega, *corev1.Pod)) *corev1.Pod {
	Eventually(func(g Gomega) {
		dry := pod.DeepCopy()
		g.Expect(k8s.Create(ctx, dry, client.DryRunAll)).To(Succeed())
		ready(g, dry)
	}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
	warnings.Take()
	Expect(k8s.Create(ctx, pod)).To(Succeed())
	stored := &corev1.Pod{}
	Expect(k8s.Get(ctx, client.ObjectKeyFromObject(pod), stored)).To(Succeed())
	return stored
}
