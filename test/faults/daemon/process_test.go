package daemonfaults

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	"github.com/securityprofiles/operator/test/buildtest"
	"github.com/securityprofiles/operator/test/envtest"
	"github.com/securityprofiles/operator/test/require"
)

// controlPlane is one API server shared by the package's tests: each test
// has its own node and namespace, and deletes its profiles when done, so
// the next test's daemon (which watches every namespace) does not install
// them too. It starts in the background while the daemon builds.
var controlPlane struct {
	once  sync.Once
	ready chan struct{}
	env   *envtest.Env
	err   error
}

// daemonBinary is the daemon, built once for the package into binDir.
var daemonBinary struct {
	once sync.Once
	path string
}

var binDir string

func TestMain(m *testing.M) {
	var err error
	if binDir, err = os.MkdirTemp("", "daemonfaults-"); err != nil {
		panic(err)
	}
	code := m.Run()
	if controlPlane.env != nil {
		_ = controlPlane.env.Stop()
	}
	_ = os.RemoveAll(binDir)
	os.Exit(code)
}

// startAPIServer starts the shared control plane once, in the
// background; apiServer waits for it.
func startAPIServer() {
	controlPlane.once.Do(func() {
		controlPlane.ready = make(chan struct{})
		go func() {
			defer close(controlPlane.ready)
			controlPlane.env, controlPlane.err = envtest.Start()
		}()
	})
}

func apiServer(t *testing.T) *envtest.Env {
	t.Helper()
	startAPIServer()
	<-controlPlane.ready
	if controlPlane.err != nil {
		t.Fatalf("start control plane: %v", controlPlane.err)
	}
	return controlPlane.env
}

// buildDaemon builds ./cmd/daemon once and keeps it for the package's
// other tests (buildtest.Build's output goes when its test ends).
func buildDaemon(t *testing.T) string {
	t.Helper()
	daemonBinary.once.Do(func() {
		built := buildtest.Build(t, "./cmd/daemon")
		data, err := os.ReadFile(built)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(binDir, "daemon")
		if err := os.WriteFile(path, data, 0o755); err != nil {
			t.Fatal(err)
		}
		daemonBinary.path = path
	})
	if daemonBinary.path == "" {
		t.Fatal("building the daemon failed in an earlier test")
	}
	return daemonBinary.path
}

// node is one fake node: a Node object, a kubelet root and the profile
// storage the real daemon binary manages for it.
type node struct {
	name       string
	namespace  string
	storage    string
	kubeletDir string
	kubeconfig string
	bin        string
	env        *envtest.Env

	cmd *exec.Cmd
	out *buildtest.Output
}

// newNode creates the Node object, a namespace for the test's profiles
// and the daemon's directories; storage is where the daemon keeps
// profiles (a t.TempDir subdirectory when empty). It needs root, as the
// daemon does on a real node.
func newNode(t *testing.T, name, storage string) *node {
	t.Helper()
	require.Root(t)
	startAPIServer()
	bin := buildDaemon(t)
	env := apiServer(t)
	dir := t.TempDir()
	if storage == "" {
		storage = filepath.Join(dir, "storage")
	}
	n := &node{name: name, storage: storage, kubeletDir: filepath.Join(dir, "kubelet"),
		kubeconfig: filepath.Join(dir, "kubeconfig"), bin: bin, env: env, out: &buildtest.Output{}}
	if err := env.Kubeconfig(n.kubeconfig); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	err := env.Client.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "faults-" + name + "-"}}
	if err := env.Client.Create(ctx, ns); err != nil {
		t.Fatal(err)
	}
	n.namespace = ns.Name
	t.Cleanup(func() {
		// envtest runs no namespace controller, so the namespace would keep
		// its profiles; remove them for the next test's daemon.
		_ = env.Client.DeleteAllOf(context.Background(), &seccompprofilev1beta1.SeccompProfile{},
			client.InNamespace(n.namespace))
	})
	t.Cleanup(n.stop)
	return n
}

// kubeletLink is where the kubelet finds the operator's profiles:
// <kubelet>/seccomp/operator, a link to the storage.
func (n *node) kubeletLink() string { return filepath.Join(n.kubeletDir, "seccomp", "operator") }

// start runs the real daemon binary for the node, as the spod DaemonSet
// would (minus the recorders).
func (n *node) start(t *testing.T) {
	t.Helper()
	cmd := exec.Command(n.bin, "--health-probe-bind-address=0", "--metrics-bind-address=0",
		"--profile-storage-dir="+n.storage)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+n.kubeconfig, "NODE_NAME="+n.name, "KUBELET_DIR="+n.kubeletDir)
	cmd.Stdout, cmd.Stderr = n.out, n.out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start daemon: %v", err)
	}
	n.cmd = cmd
}

// kill SIGKILLs the daemon: no signal handler, no deferred cleanup runs,
// exactly what the OOM killer or a node crash does to it.
func (n *node) kill(t *testing.T) {
	t.Helper()
	if err := n.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill daemon: %v", err)
	}
	_ = n.cmd.Wait()
	n.cmd = nil
}

func (n *node) stop() {
	if n.cmd != nil {
		_ = n.cmd.Process.Kill()
		_ = n.cmd.Wait()
		n.cmd = nil
	}
}
