package seccomp_test

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

func TestNodeInstaller(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Node seccomp installer suite")
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

// simNode is a Node object and the directories its daemon writes to.
type simNode struct {
	name, kubeletDir, storageDir string
}

// newNode creates a Node with a name no other spec uses, so the daemons
// of earlier specs never describe it.
func newNode(ctx context.Context) simNode {
	name := fmt.Sprintf("node-%d", nodeCount.Add(1))
	Expect(env.Client.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}})).To(Succeed())
	base := GinkgoT().TempDir()
	return simNode{name: name, kubeletDir: filepath.Join(base, "kubelet"), storageDir: filepath.Join(base, "storage")}
}

// startDaemon starts n's daemon the way spod does and stops it when the
// spec ends.
func startDaemon(n simNode) { _ = startRestrictedDaemon(n, "", "") }

// startRestrictedDaemon starts n's daemon as the namespaced install does
// (RESTRICT_TO_NAMESPACE=watch), or for every namespace when watch is
// empty, stops it when the spec ends, and returns its manager.
func startRestrictedDaemon(n simNode, watch, operator string) ctrl.Manager {
	ctx, cancel := context.WithCancel(context.Background())
	cfg := agent.Config{NodeName: n.name, KubeletDir: n.kubeletDir, StorageDir: n.storageDir, ProcDir: "/proc",
		WatchNamespace: watch, OperatorNamespace: operator}
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
func newNamespace(ctx context.Context) string { return newNamespaceNamed(ctx, "seccomp-") }

// newNamespaceNamed creates a namespace for one spec whose name starts
// with prefix.
func newNamespaceNamed(ctx context.Context, prefix string) string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix}}
	Expect(env.Client.Create(ctx, ns)).To(Succeed())
	return ns.Name
}
