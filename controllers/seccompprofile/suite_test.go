package seccompprofile_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/securityprofiles/operator/apis/keys"
	"github.com/securityprofiles/operator/controllers/seccompprofile"
	"github.com/securityprofiles/operator/daemon/agent"
	"github.com/securityprofiles/operator/test/envtest"
)

// simNode is one simulated node: a Node object and a daemon with its own
// kubelet root and profile storage.
type simNode struct {
	name, kubeletDir, storageDir string
}

const operatorNamespace = "security-profiles-operator"

var (
	env    *envtest.Env
	nodes  []simNode
	cancel context.CancelFunc
	// customRoot is the temp dir behind the labelled node's kubelet root.
	customRoot string
)

func TestSeccompProfiles(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "SeccompProfile suite: manager and three node daemons")
}

var _ = BeforeSuite(func() {
	ctrl.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	var err error
	env, err = envtest.Start()
	Expect(err).NotTo(HaveOccurred())
	var ctx context.Context
	ctx, cancel = context.WithCancel(context.Background())
	Expect(env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: operatorNamespace}})).To(Succeed())

	// A dash-free temp dir, so a directory-location label can name it.
	customRoot, err = os.MkdirTemp("", "spotest")
	Expect(err).NotTo(HaveOccurred())
	base := GinkgoT().TempDir()
	for _, name := range []string{"node-a", "node-b", "node-c"} {
		n := simNode{name: name, kubeletDir: filepath.Join(base, name, "kubelet"), storageDir: filepath.Join(base, name, "storage")}
		labels := map[string]string{}
		if name == "node-c" {
			n.kubeletDir = filepath.Join(customRoot, "kubelet")
			labels[keys.NodeDirectoryLocationLabel] = strings.ReplaceAll(strings.TrimPrefix(n.kubeletDir, "/"), "/", "-")
		}
		Expect(env.Client.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}})).To(Succeed())
		nodes = append(nodes, n)
		startDaemon(ctx, n)
	}
	startManager(ctx)
})

var _ = AfterSuite(func() {
	if cancel != nil {
		cancel()
	}
	if env != nil {
		Expect(env.Stop()).To(Succeed())
	}
	if customRoot != "" {
		Expect(os.RemoveAll(customRoot)).To(Succeed())
	}
})

func startDaemon(ctx context.Context, n simNode) {
	opts := env.ManagerOptions()
	opts.Cache = agent.CacheOptions(n.name)
	mgr, err := ctrl.NewManager(env.Config, opts)
	Expect(err).NotTo(HaveOccurred())
	// The labelled node ignores KUBELET_DIR: the label wins.
	kubeletEnv := n.kubeletDir
	if n.name == "node-c" {
		kubeletEnv = "/should/not/be/used"
	}
	Expect(agent.Setup(ctx, mgr, mgr.GetAPIReader(), agent.Config{
		NodeName: n.name, KubeletDir: kubeletEnv, StorageDir: n.storageDir,
		ProcDir: "/proc", OperatorNamespace: operatorNamespace,
	})).To(Succeed())
	go func() {
		defer GinkgoRecover()
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
}

func startManager(ctx context.Context) {
	mgr, err := ctrl.NewManager(env.Config, env.ManagerOptions())
	Expect(err).NotTo(HaveOccurred())
	Expect((&seccompprofile.Reconciler{Client: mgr.GetClient(), Events: mgr.GetEventRecorder("seccompprofile-controller")}).SetupWithManager(ctx, mgr)).To(Succeed())
	go func() {
		defer GinkgoRecover()
		Expect(mgr.Start(ctx)).To(Succeed())
	}()
}

// newNamespace creates a namespace for one spec.
func newNamespace(ctx context.Context) string {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "sp-"}}
	Expect(env.Client.Create(ctx, ns)).To(Succeed())
	return ns.Name
}

// profilePath is where the kubelet of node n finds a profile.
func profilePath(n simNode, namespace, name string) string {
	return filepath.Join(n.kubeletDir, "seccomp", "operator", namespace, name+".json")
}

// ctx is a context for API calls made by specs.
func ctx() context.Context { return context.Background() }
