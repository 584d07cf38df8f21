package agent_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/securityprofiles/operator/daemon/agent"
	"github.com/securityprofiles/operator/test/envtest"
)

const timeout = 30 * time.Second

var (
	env       *envtest.Env
	nodeCount atomic.Int32
)

func TestAgent(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Node daemon wiring suite")
}

var _ = BeforeSuite(func() {
	ctrl.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	var err error
	env, err = envtest.Start()
	Expect(err).NotTo(HaveOccurred())
})

var _ = AfterSuite(func() {
	if env != nil {
		Expect(env.Stop()).To(Succeed())
	}
})

// newNode creates a Node with a name no other spec uses and returns a
// daemon configuration for it whose directories live in the spec's
// temporary directory.
func newNode(ctx context.Context) agent.Config {
	name := fmt.Sprintf("node-%d", nodeCount.Add(1))
	Expect(env.Client.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}})).To(Succeed())
	base := GinkgoT().TempDir()
	return agent.Config{NodeName: name, KubeletDir: filepath.Join(base, "kubelet"),
		StorageDir: filepath.Join(base, "storage"), ProcDir: "/proc"}
}

// startDaemon starts a daemon as cmd/daemon does, with the cache cfg
// asks for, and stops it when the spec ends.
func startDaemon(cfg agent.Config) ctrl.Manager {
	ctx, cancel := context.WithCancel(context.Background())
	opts := env.ManagerOptions()
	opts.Cache = cfg.CacheOptions()
	mgr, err := ctrl.NewManager(env.Config, opts)
	Expect(err).NotTo(HaveOccurred())
	Expect(agent.Setup(ctx, mgr, mgr.GetAPIReader(), cfg)).To(Succeed())
	done := make(chan struct{})
	go func() {
		defer GinkgoRecover()
		defer close(done)
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
	DeferCleanup(func() {
		cancel()
		<-done
	})
	return mgr
}

// newNamespace creates a namespace for one spec.
func newNamespace(ctx context.Context) string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "agent-"}}
	Expect(env.Client.Create(ctx, ns)).To(Succeed())
	return ns.Name
}
