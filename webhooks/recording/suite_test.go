package recording_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
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

func newNamespace(ctx context.Context, labels map[string]string) string {
	return webhooktest.Namespace(ctx, k8s, "recording-", labels)
}

func createWhen(ctx context.Context, pod *corev1.Pod, ready func(Gomega, *corev1.Pod)) *corev1.Pod {
	return webhooktest.CreateWhen(ctx, k8s, warnings, pod, ready, timeout, interval)
}
