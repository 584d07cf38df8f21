package localcluster

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// LockFile is the flock every local cluster holds from up to down; the host
// resources it uses (bridge, CIDRs, ports, cgroups) allow one at a time.
const LockFile = "/run/spo-local-cluster.lock"

// Image references hack/images writes and hack/local-cluster.sh imports.
const (
	PauseImage   = "localhost/pause:local"
	BusyboxImage = "localhost/busybox:local"
)

// Cluster is a running local cluster.
type Cluster struct {
	// State is the state directory (SPO_LOCAL_STATE).
	State string
	// Kubeconfig is the admin kubeconfig.
	Kubeconfig string
	// NodeName is the single node's name.
	NodeName string
	// KubeletRoot is the kubelet's --root-dir; Localhost seccomp profiles
	// resolve under KubeletRoot/seccomp.
	KubeletRoot string
	// ContainerdSocket is the cluster's own containerd.
	ContainerdSocket string
	// UpTime is how long `up` took.
	UpTime time.Duration

	repo string
	// lock is this process's hold on LockFile, passed to the script so up,
	// the test's checks and down happen without another cluster starting.
	lock *os.File
}

// RepoRoot is the repository's root directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Kubectl is the kubectl the cluster is driven with.
func Kubectl() string {
	v := os.Getenv("K8S_VERSION")
	if v == "" {
		v = "v1.35.4"
	}
	return filepath.Join(RepoRoot(), "bin", "k8s", v, "kubectl")
}

func (c *Cluster) script(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.repo, "hack", "local-cluster.sh"), args...)
	cmd.Dir = c.repo
	wait := os.Getenv("SPO_LOCAL_LOCK_WAIT")
	if wait == "" {
		wait = "1800" // tests queue for the cluster instead of failing
	}
	cmd.Env = append(os.Environ(), "SPO_LOCAL_STATE="+c.State, "SPO_LOCAL_LOCK_WAIT="+wait)
	if c.lock != nil {
		cmd.ExtraFiles = []*os.File{c.lock} // fd 3 in the script
		cmd.Env = append(cmd.Env, "SPO_LOCAL_LOCK_FD=3")
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("local-cluster.sh %s: %w\n%s", strings.Join(args, " "), err, out.String())
	}
	return out.String(), nil
}

// Up brings a cluster up in state (created if missing). It first takes the
// host-wide lock, waiting while ctx allows, and keeps it until Release, so
// checks after Down still see only this cluster's traces. It returns once
// the node is Ready and kube-proxy serves.
func Up(ctx context.Context, state string) (*Cluster, error) {
	if err := os.MkdirAll(state, 0o755); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(state)
	if err != nil {
		return nil, err
	}
	lock, err := acquire(ctx)
	if err != nil {
		return nil, err
	}
	c := &Cluster{State: abs, Kubeconfig: filepath.Join(abs, "kubeconfig"), ContainerdSocket: filepath.Join(abs, "containerd", "containerd.sock"), repo: RepoRoot(), lock: lock}
	start := time.Now()
	if _, err := c.script(ctx, "up"); err != nil {
		return c, err
	}
	c.UpTime = time.Since(start)
	name, err := os.ReadFile(filepath.Join(abs, "run", "node-name"))
	if err != nil {
		return c, err
	}
	c.NodeName = strings.TrimSpace(string(name))
	c.KubeletRoot = filepath.Join(abs, "nodes", c.NodeName, "kubelet")
	return c, nil
}

func acquire(ctx context.Context) (*os.File, error) {
	f, err := os.OpenFile(LockFile, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if err != syscall.EWOULDBLOCK {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", LockFile, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for %s (another local cluster runs): %w", LockFile, ctx.Err())
		case <-time.After(time.Second):
		}
	}
}

// Release lets the next cluster start. Call it after Down (Start does).
func (c *Cluster) Release() {
	if c.lock != nil {
		c.lock.Close()
		c.lock = nil
	}
}

// Down stops the cluster and restores the host; calling it again is a no-op.
func (c *Cluster) Down(ctx context.Context) error {
	_, err := c.script(ctx, "down")
	return err
}

// ImportImage loads OCI archives (from hack/images) into the cluster's
// containerd, where pods with imagePullPolicy Never find them.
func (c *Cluster) ImportImage(ctx context.Context, archives ...string) error {
	_, err := c.script(ctx, append([]string{"import"}, archives...)...)
	return err
}

// Kubectl runs kubectl against the cluster with stdin (may be empty) and
// returns its combined output.
func (c *Cluster) Kubectl(ctx context.Context, stdin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, Kubectl(), append([]string{"--kubeconfig", c.Kubeconfig}, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("kubectl %s: %w\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// Start brings a cluster up for a test and brings it down in t.Cleanup; it
// fails the test if either step fails.
func Start(t testing.TB, ctx context.Context, state string) *Cluster {
	t.Helper()
	c, err := Up(ctx, state)
	t.Cleanup(func() {
		if c == nil {
			return
		}
		if err := c.Down(context.Background()); err != nil {
			t.Errorf("down: %v", err)
		}
		c.Release()
	})
	if err != nil {
		t.Fatalf("up: %v\nlogs in %s", err, filepath.Join(state, "logs"))
	}
	return c
}
