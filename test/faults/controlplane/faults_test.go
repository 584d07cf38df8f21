package controlplanefaults

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/securityprofiles/operator/daemon/nodestatus"
	"github.com/securityprofiles/operator/test/buildtest"
	"github.com/securityprofiles/operator/test/envtest"
	"github.com/securityprofiles/operator/test/require"
)

// nodeNames are the cluster's nodes. Every fault's profiles must be
// installed on both; a simulated daemon reports for each.
var nodeNames = []string{"fault-n1", "fault-n2"}

// cluster is what every fault runs against: one control plane, the
// manager binary, and the simulated node daemons.
type cluster struct {
	env        *envtest.Env
	bin        string
	kubeconfig string
	operatorNS string
	// certDir receives the API server's certificates when it restarts;
	// it outlives the control plane (see envtest.RestartAPIServer).
	certDir string
	daemons []*nodestatus.Writer
}

// The faults share one control plane (starting one costs seconds) and run
// one after another: the API server restart would disturb anything else.
// Each fault has its own namespace and its own manager processes.
func TestControlPlaneFaults(t *testing.T) {
	// -short skips it on a developer's machine, never under CI=true.
	if testing.Short() && !require.InCI() {
		t.Skip("runs the manager binary against a control plane; skipped with -short")
	}
	// The test's clients log nothing worth reading; the managers' output
	// is shown when a fault fails.
	ctrllog.SetLogger(logr.Discard())
	c := newCluster(t)
	t.Run("manager leader failover with 2 replicas: no duplicate or lost status updates", c.testLeaderFailover)
	t.Run("kube-apiserver restarted while profiles are created and deleted: all converge, no stuck finalizers", c.testAPIServerRestart)
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	c := &cluster{operatorNS: "spo-faults", certDir: t.TempDir()}
	// Start the control plane while the manager builds; both take seconds.
	started := make(chan error, 1)
	go func() {
		env, err := envtest.Start()
		c.env = env
		started <- err
	}()
	var startErr error
	waited := false
	waitStarted := func() error {
		if !waited {
			startErr, waited = <-started, true
		}
		return startErr
	}
	// Registered before the build, which may skip or fail the test.
	t.Cleanup(func() {
		if waitStarted() == nil {
			_ = c.env.Stop()
		}
	})
	c.bin = buildtest.Build(t, "./cmd/manager", "CGO_ENABLED=0")
	if err := waitStarted(); err != nil {
		t.Fatalf("start control plane: %v", err)
	}
	c.kubeconfig = filepath.Join(t.TempDir(), "kubeconfig")
	if err := c.env.Kubeconfig(c.kubeconfig); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: c.operatorNS}}); err != nil {
		t.Fatal(err)
	}
	for _, n := range nodeNames {
		if err := c.env.Client.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: n}}); err != nil {
			t.Fatal(err)
		}
		c.daemons = append(c.daemons, nodestatus.NewWriter(c.env.Client, c.env.Client, n))
	}
	return c
}
