package controlplanefaults

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/test/buildtest"
	"github.com/securityprofiles/operator/test/require"
)

// leaseName is the manager's leader lease (cmd/manager's leaderElectionID).
const leaseName = "security-profiles-operator-lock"

// replicaScript names the replica: it sets the hostname, in the
// process's own UTS namespace, to the replica's name. The lease's
// holderIdentity is "<hostname>_<uuid>", which is how the test tells which
// replica leads.
const replicaScript = `set -e
printf %s "$REPLICA" > /proc/sys/kernel/hostname
exec "$@"`

// manager is one running manager process.
type manager struct {
	name   string
	cmd    *exec.Cmd
	out    *buildtest.Output
	exited chan struct{}
}

// startManager runs the manager binary as replica name. With leaderElect
// it runs inside replicaScript, which needs unshare and the right to
// create UTS namespaces (root, or a user namespace mapped to root).
func (c *cluster) startManager(t *testing.T, name string, leaderElect bool) *manager {
	t.Helper()
	args := []string{c.bin, "--metrics-bind-address=0", "--health-probe-bind-address=0",
		"--leader-elect=" + strconv.FormatBool(leaderElect)}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "KUBECONFIG=" + c.kubeconfig,
		"OPERATOR_NAMESPACE=" + c.operatorNS, "REPLICA=" + name}
	if leaderElect {
		args = append(append(unshareArgs(t), "sh", "-c", replicaScript, "sh"), args...)
	}
	m := &manager{name: name, out: &buildtest.Output{}, exited: make(chan struct{})}
	m.cmd = exec.Command(args[0], args[1:]...)
	m.cmd.Env = env
	m.cmd.Stdout, m.cmd.Stderr = m.out, m.out
	if err := m.cmd.Start(); err != nil {
		t.Fatalf("start manager %s: %v", name, err)
	}
	go func() { _ = m.cmd.Wait(); close(m.exited) }()
	t.Cleanup(func() { m.stop(t) })
	return m
}

// unshareArgs is the unshare command line that gives a process its own
// UTS namespace. It skips the test where that is impossible,
// and fails it under CI=true.
func unshareArgs(t *testing.T) []string {
	t.Helper()
	args := []string{require.Command(t, "unshare"), "--uts"}
	if os.Geteuid() != 0 {
		args = append(args, "--map-root-user")
	}
	if out, err := exec.Command(args[0], append(args[1:], "true")...).CombinedOutput(); err != nil {
		msg := "cannot create UTS namespaces for the manager replicas: " + strings.TrimSpace(string(out))
		if require.InCI() {
			t.Fatalf("CI=true but %s", msg)
		}
		t.Skip(msg)
	}
	return args
}

// kill SIGKILLs the replica, as a node failure or the OOM killer does: it
// neither releases its lease nor finishes what it was writing.
func (m *manager) kill(t *testing.T) {
	t.Helper()
	if err := m.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill manager %s: %v", m.name, err)
	}
	<-m.exited
}

// stop ends the replica with SIGTERM, or SIGKILL if it lingers, and logs
// the end of its output when the test failed.
func (m *manager) stop(t *testing.T) {
	select {
	case <-m.exited:
	default:
		_ = m.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-m.exited:
		case <-time.After(15 * time.Second):
			_ = m.cmd.Process.Signal(syscall.SIGKILL)
			<-m.exited
		}
	}
	if t.Failed() {
		t.Logf("manager %s output (end):\n%s", m.name, tail(m.out.String(), 40))
	}
}

// running reports whether the process has not exited.
func (m *manager) running() bool {
	select {
	case <-m.exited:
		return false
	default:
		return true
	}
}

// logged reports whether the replica logged msg with key set to value.
func (m *manager) logged(msg, key, value string) bool {
	for line := range strings.Lines(m.out.String()) {
		var fields map[string]any
		if json.Unmarshal([]byte(line), &fields) == nil && fields["msg"] == msg && fields[key] == value {
			return true
		}
	}
	return false
}

// leaseHolder is the replica name holding the leader lease ("" if none).
func (c *cluster) leaseHolder(ctx context.Context) (string, int32, error) {
	lease := &coordinationv1.Lease{}
	if err := c.env.Client.Get(ctx, client.ObjectKey{Namespace: c.operatorNS, Name: leaseName}, lease); err != nil {
		return "", 0, client.IgnoreNotFound(err)
	}
	holder, transitions := "", int32(0)
	if lease.Spec.HolderIdentity != nil {
		holder, _, _ = strings.Cut(*lease.Spec.HolderIdentity, "_")
	}
	if lease.Spec.LeaseTransitions != nil {
		transitions = *lease.Spec.LeaseTransitions
	}
	return holder, transitions, nil
}

func tail(s string, lines int) string {
	all := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}
