package binding_test

import (
	"context"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
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
	warnings = &warningLog{}
)

func TestBinding(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "binding.spo.io suite")
}

var _ = BeforeSuite(func() {
	var err error
	suite, err = webhooktest.Start(spodv1alpha1.BindingWebhookName, binding.Setup)
	Expect(err).NotTo(HaveOccurred())
	cfg := rest.CopyConfig(suite.Env.Config)
	cfg.WarningHandlerWithContext = warnings
	k8s, err = client.New(cfg, client.Options{Scheme: suite.Env.Scheme})
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
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "binding-", Labels: labels}}
	Expect(k8s.Create(ctx, ns)).To(Succeed())
	DeferCleanup(func(ctx SpecContext) {
		Expect(client.IgnoreNotFound(k8s.Delete(ctx, ns))).To(Succeed())
	})
	return ns.Name
}

// warningLog collects the warnings the API server returns.
type warningLog struct {
	mu   sync.Mutex
	list []string
}

// HandleWarningHeaderWithContext records one warning.
func (w *warningLog) HandleWarningHeaderWithContext(_ context.Context, _ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.list = append(w.list, text)
}

// take returns and forgets the warnings seen so far.
func (w *warningLog) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.list
	w.list = nil
	return out
}
