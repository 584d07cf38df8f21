package selinux_test

import (
	"context"
	"path/filepath"
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
	"github.com/securityprofiles/operator/daemon/selinux"
	"github.com/securityprofiles/operator/internal/selinuxd"
	"github.com/securityprofiles/operator/internal/selinuxd/selinuxdtest"
	"github.com/securityprofiles/operator/test/envtest"
)

const operatorNamespace = "security-profiles-operator"

// Namespaces, each seen by exactly one node's daemon so that no policy is
// installed twice: every install rebuilds a whole policy store, seconds of
// CPU each.
const (
	nginxNamespace  = "nginx-deploy" // the user manual's, on node A
	rawNamespace    = "raw"          // node A
	attackNamespace = "injection"    // node A
	noSelinuxNS     = "no-selinux"   // node B
	// orphanPolicy is a file a deleted profile left on node A.
	orphanPolicy    = "gone_" + rawNamespace
	nodeWithSelinux = "node-a"
	nodeNoSelinux   = "node-b"
)

var (
	env    *envtest.Env
	cancel context.CancelFunc
	// suiteT is the go test's T: selinuxdtest needs a testing.TB, which
	// Ginkgo's GinkgoT cannot be.
	suiteT *testing.T
	// storeA is the copy of the real policy store node A's selinuxd
	// installs into, once a spec starts it.
	storeA *selinuxdtest.Store
	nodeA  node // SELinux on; selinuxd starts late
	nodeB  node // SELinux off in the kernel
)

// node is one simulated node: a daemon manager that sees only some
// namespaces, with its own policy directory and selinuxd socket.
type node struct {
	name, dir, socket string
}

func (n node) file(policy string) string { return filepath.Join(n.dir, policy+".cil") }

func TestSelinux(t *testing.T) {
	// The store first, in the test's goroutine: it skips the suite
	// without root, semodule or a policy store (and fails it under
	// CI=true).
	storeA = selinuxdtest.NewStore(t)
	suiteT = t
	RegisterFailHandler(Fail)
	RunSpecs(t, "SELinux node suite: real API server, selinuxd stand-in installing into real policy stores")
}

var _ = BeforeSuite(func() {
	ctrl.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	// Long enough for a loaded CI machine; installs wait longer
	// (installTimeout).
	SetDefaultEventuallyTimeout(30 * time.Second)
	var err error
	env, err = envtest.Start()
	Expect(err).NotTo(HaveOccurred())
	var ctx context.Context
	ctx, cancel = context.WithCancel(context.Background())
	for _, ns := range []string{operatorNamespace, nginxNamespace, rawNamespace, attackNamespace, noSelinuxNS} {
		Expect(env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
	}
	// The default spod: allowedSystemProfiles defaults to [container].
	Expect(env.Client.Create(ctx, &spodv1alpha1.SecurityProfilesOperatorDaemon{
		ObjectMeta: metav1.ObjectMeta{Namespace: operatorNamespace, Name: spodv1alpha1.Name},
	})).To(Succeed())

	tmp := GinkgoT().TempDir()
	nodeA = newNode(tmp, nodeWithSelinux)
	nodeB = newNode(tmp, nodeNoSelinux)
	// The nodes own their statuses: each daemon reads its Node first.
	for _, n := range []node{nodeA, nodeB} {
		Expect(env.Client.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: n.name}})).To(Succeed())
	}
	// Left by a profile deleted while node A's daemon was down.
	_, err = selinuxd.PolicyDir{Path: nodeA.dir}.Write(orphanPolicy, []byte("(block "+orphanPolicy+" (blockinherit container))\n"))
	Expect(err).NotTo(HaveOccurred())
	startDaemon(ctx, nodeA, true, nginxNamespace, rawNamespace, attackNamespace)
	startDaemon(ctx, nodeB, false, noSelinuxNS)
})

var _ = AfterSuite(func() {
	if cancel != nil {
		cancel()
	}
	if env != nil {
		Expect(env.Stop()).To(Succeed())
	}
})

func newNode(tmp, name string) node {
	return node{name: name, dir: filepath.Join(tmp, name, "selinux.d"), socket: filepath.Join(tmp, name, "selinuxd.sock")}
}

// startDaemon runs the SELinux half of n's daemon, caching only spod's
// namespace and namespaces.
func startDaemon(ctx context.Context, n node, enabled bool, namespaces ...string) {
	opts := env.ManagerOptions()
	cached := map[string]cache.Config{operatorNamespace: {}}
	for _, ns := range namespaces {
		cached[ns] = cache.Config{}
	}
	opts.Cache = cache.Options{DefaultNamespaces: cached}
	mgr, err := ctrl.NewManager(env.Config, opts)
	Expect(err).NotTo(HaveOccurred())
	Expect(selinux.Setup(ctx, mgr, selinux.Config{NodeName: n.name, OperatorNamespace: operatorNamespace,
		Enabled: enabled, PolicyDir: n.dir, Socket: n.socket})).To(Succeed())
	go func() {
		defer GinkgoRecover()
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
}
