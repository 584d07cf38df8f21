package apparmor_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"

	"github.com/securityprofiles/operator/daemon/apparmor"
	internalapparmor "github.com/securityprofiles/operator/internal/apparmor"
	"github.com/securityprofiles/operator/test/envtest"
	"github.com/securityprofiles/operator/test/require"
)

const (
	// nodeWithout has a kernel without AppArmor, as this machine does.
	nodeWithout = "node-no-apparmor"
	// nodeWith has AppArmor; its kernel is a fake.
	nodeWith = "node-apparmor"
	timeout  = 10 * time.Second
)

var (
	env    *envtest.Env
	cancel context.CancelFunc
	// kernelWithout and kernelWith are the two nodes' fake kernels.
	kernelWithout, kernelWith = &fakeKernel{}, &fakeKernel{}
)

func TestAppArmor(t *testing.T) {
	// The node with AppArmor validates with the real parser.
	require.Command(t, "apparmor_parser")
	if _, err := os.Stat(internalapparmor.DefaultFeatures); err != nil {
		if require.InCI() {
			t.Fatalf("CI=true but %v", err)
		}
		t.Skipf("skipping: %v", err)
	}
	RegisterFailHandler(Fail)
	RunSpecs(t, "AppArmor node suite")
}

var _ = BeforeSuite(func() {
	ctrl.SetLogger(zap.New(zap.WriteTo(GinkgoWriter), zap.UseDevMode(true)))
	var err error
	env, err = envtest.Start()
	Expect(err).NotTo(HaveOccurred())
	var ctx context.Context
	ctx, cancel = context.WithCancel(context.Background())
	// The nodes own their statuses: each daemon reads its Node first.
	for _, n := range []string{nodeWithout, nodeWith} {
		Expect(env.Client.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: n}})).To(Succeed())
	}

	// Two nodes' daemons in one manager, each with its own status writer
	// (apparmor.Config.Status is nil).
	mgr, err := ctrl.NewManager(env.Config, env.ManagerOptions())
	Expect(err).NotTo(HaveOccurred())
	Expect(apparmor.Setup(mgr, apparmor.Config{NodeName: nodeWithout, Enabled: false, Loader: kernelWithout})).To(Succeed())
	Expect(apparmor.Setup(mgr, apparmor.Config{NodeName: nodeWith, Enabled: true,
		Validator: internalapparmor.Validator{}, Loader: kernelWith})).To(Succeed())
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
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "apparmor-"}}
	Expect(env.Client.Create(ctx(), ns)).To(Succeed())
	return ns.Name
}

// fakeKernel records what a node's daemon loads and removes. A policy
// containing failMarker fails to load.
type fakeKernel struct {
	mu      sync.Mutex
	loads   []string
	unloads []string
}

const failMarker = "# fake kernel: refuse"

func (k *fakeKernel) Load(_ context.Context, policy string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.loads = append(k.loads, policy)
	if strings.Contains(policy, failMarker) {
		return errors.New("kernel refused the policy")
	}
	return nil
}

func (k *fakeKernel) Unload(_ context.Context, name string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.unloads = append(k.unloads, name)
	return nil
}

// loadsOf returns the policies loaded that declare the profile name.
func (k *fakeKernel) loadsOf(name string) []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []string
	for _, p := range k.loads {
		if strings.Contains(p, "profile "+name+" ") {
			out = append(out, p)
		}
	}
	return out
}

// unloadsOf counts the removals of name.
func (k *fakeKernel) unloadsOf(name string) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	n := 0
	for _, u := range k.unloads {
		if u == name {
			n++
		}
	}
	return n
}

// calls counts everything the kernel was asked to do.
func (k *fakeKernel) calls() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.loads) + len(k.unloads)
}
