package binding_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/test/webhooktest"
	"github.com/securityprofiles/operator/webhooks/binding"
)

// Timeouts for Eventually: cache and webhook-configuration propagation
// take milliseconds, but CI machines are shared.
const (
	timeout  = 30 * time.Second
	interval = 100 * time.Millisecond
)

var (
	suite *webhooktest.Suite
	// k8s is a client that records the API server's warnings.
	k8s      client.Client
	warnings = &webhooktest.Warnings{}
)

func TestBinding(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "binding.spo.io suite")
}

var _ = BeforeSuite(func() {
	var err error
	suite, err = webhooktest.Start(spodv1alpha1.BindingWebhookName, binding.Setup)
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
	return webhooktest.Namespace(ctx, k8s, "binding-", labels)
}
