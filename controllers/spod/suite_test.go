package spod_test

import (
	"context"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/securityprofiles/operator/controllers/spod"
	"github.com/securityprofiles/operator/test/envtest"
)

var (
	env    *envtest.Env
	cancel context.CancelFunc
	// cfg is the manager's installation; its namespace holds spod.
	cfg = spod.Config{
		Namespace:     spod.DefaultNamespace,
		DaemonImage:   "example.com/spo/daemon:test",
		WebhookImage:  "example.com/spo/webhook:test",
		SelinuxdImage: "example.com/spo/selinuxd:test",
		KubeletDir:    "/custom/kubelet",
	}
)

func TestSpod(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "spod controller suite")
}

var _ = BeforeSuite(func() {
	ctrl.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	var err error
	env, err = envtest.Start()
	Expect(err).NotTo(HaveOccurred())
	var ctx context.Context
	ctx, cancel = context.WithCancel(context.Background())
	Expect(env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: cfg.Namespace}})).To(Succeed())

	// Options as in cmd/manager, without listeners; a reconciler panic
	// fails the suite instead of being logged and retried.
	opts := env.ManagerOptions()
	opts.Cache = cache.Options{ByObject: spod.CacheOptions(cfg.Namespace)}
	mgr, err := ctrl.NewManager(env.Config, opts)
	Expect(err).NotTo(HaveOccurred())
	r := &spod.Reconciler{Client: mgr.GetClient(), Events: mgr.GetEventRecorder("spod-controller"), Config: cfg}
	Expect(r.SetupWithManager(mgr)).To(Succeed())
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
