package podgate_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/controllers/podgate"
	"github.com/securityprofiles/operator/controllers/spod"
	"github.com/securityprofiles/operator/internal/podcache"
	"github.com/securityprofiles/operator/test/envtest"
)

const (
	operatorNamespace = spod.DefaultNamespace
	timeout           = 10 * time.Second
)

var (
	env    *envtest.Env
	cancel context.CancelFunc
)

func TestPodGate(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Pod gate controller suite")
}

var _ = BeforeSuite(func() {
	ctrl.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	var err error
	env, err = envtest.Start()
	Expect(err).NotTo(HaveOccurred())
	var ctx context.Context
	ctx, cancel = context.WithCancel(context.Background())
	Expect(env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: operatorNamespace}})).To(Succeed())
	// The default spod the manager creates: gating on.
	Expect(env.Client.Create(ctx, &spodv1alpha1.SecurityProfilesOperatorDaemon{
		ObjectMeta: metav1.ObjectMeta{Namespace: operatorNamespace, Name: spodv1alpha1.Name},
	})).To(Succeed())

	// Only this controller runs: specs set profile statuses themselves.
	// Options as in cmd/manager, without listeners; a reconciler panic
	// fails the suite instead of being logged and retried.
	opts := env.ManagerOptions()
	opts.Cache = cache.Options{ByObject: spod.CacheOptions(operatorNamespace)}
	opts.Cache.ByObject[&corev1.Pod{}] = cache.ByObject{Transform: podcache.Manager(operatorNamespace)}
	mgr, err := ctrl.NewManager(env.Config, opts)
	Expect(err).NotTo(HaveOccurred())
	Expect((&podgate.Reconciler{
		Client:            mgr.GetClient(),
		Events:            mgr.GetEventRecorder("podgate-controller"),
		OperatorNamespace: operatorNamespace,
	}).SetupWithManager(ctx, mgr)).To(Succeed())
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

// newNamespace creates a namespace for one spec.
func newNamespace() string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "gate-"}}
	Expect(env.Client.Create(ctx(), ns)).To(Succeed())
	return ns.Name
}
