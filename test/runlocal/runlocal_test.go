package runlocal

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/securityprofiles/operator/test/buildtest"
	"github.com/securityprofiles/operator/test/envtest"
)

func TestRunLocalProcessesUpAndDown(t *testing.T) {
	g := NewWithT(t)
	root := envtest.RepoRoot()
	for _, bin := range []string{"manager", "webhook", "daemon", "local-control-plane"} {
		if _, err := os.Stat(filepath.Join(root, "bin", bin)); err != nil {
			t.Fatalf("bin/%s is missing: run `make build local-control-plane` (make test does): %v", bin, err)
		}
	}
	state := filepath.Join(root, ".local", "processes")
	if _, err := os.Stat(filepath.Join(state, "run-local.pid")); err == nil {
		t.Fatalf("a run-local is already running from this clone; stop it with make run-local-processes-down")
	}

	out := &buildtest.Output{}
	cmd := exec.Command(filepath.Join(root, "hack", "run-local-processes.sh"))
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	g.Expect(cmd.Start()).To(Succeed())
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			_ = cmd.Wait()
		}
	})

	// The bound only keeps a hung start from hanging the test; how long
	// the start takes is printed by make bench (hack/bench/runlocal.sh).
	g.Eventually(func() string { return out.String() }, 5*time.Minute, 250*time.Millisecond).
		Should(ContainSubstring("Local Security Profiles Operator is up"), func() string { return out.String() })

	kubeconfig := filepath.Join(state, "kubeconfig")
	crds, err := exec.Command(envtest.Kubectl(), "--kubeconfig", kubeconfig, "get", "crds", "-o", "name").CombinedOutput()
	g.Expect(err).NotTo(HaveOccurred(), string(crds))
	g.Expect(strings.Fields(string(crds))).To(HaveLen(8))

	nodes, err := exec.Command(envtest.Kubectl(), "--kubeconfig", kubeconfig, "get", "nodes", "-o", "name").CombinedOutput()
	g.Expect(err).NotTo(HaveOccurred(), string(nodes))
	host, _ := os.Hostname()
	g.Expect(strings.TrimSpace(string(nodes))).To(Equal("node/" + host))
	g.Expect(filepath.Join(state, "nodes", host, "kubelet")).To(BeADirectory())

	sps, err := exec.Command(envtest.Kubectl(), "--kubeconfig", kubeconfig, "get", "sp", "-A", "-o", "name").CombinedOutput()
	g.Expect(err).NotTo(HaveOccurred(), string(sps))
	g.Expect(string(sps)).To(ContainSubstring("seccompprofile.security-profiles-operator.x-k8s.io/profile1"))

	// The local node's daemon installs the examples' profiles where the
	// local kubelet root would read them.
	g.Eventually(filepath.Join(state, "nodes", host, "kubelet", "seccomp", "operator", "my-namespace", "profile1.json"),
		30*time.Second).Should(BeAnExistingFile())
	g.Eventually(func() string {
		out, _ := exec.Command(envtest.Kubectl(), "--kubeconfig", kubeconfig, "-n", "default", "get", "sp", "log",
			"-o", "jsonpath={.status.status}").CombinedOutput()
		return string(out)
	}, 30*time.Second).Should(Equal("Installed"))

	// The API server reaches the webhook process: a pod in a namespace
	// labelled for binding passes admission (failurePolicy Fail refuses it
	// when the webhook cannot be called).
	kubectl := func(args ...string) string {
		out, err := exec.Command(envtest.Kubectl(), append([]string{"--kubeconfig", kubeconfig}, args...)...).CombinedOutput()
		g.Expect(err).NotTo(HaveOccurred(), "kubectl %v: %s", args, out)
		return string(out)
	}
	g.Expect(kubectl("get", "mutatingwebhookconfiguration", "spo-mutating-webhook-configuration",
		"-o", "jsonpath={.webhooks[*].clientConfig.url}")).To(ContainSubstring("https://localhost:19443/"))
	kubectl("create", "namespace", "bound")
	kubectl("label", "namespace", "bound", "spo.x-k8s.io/enable-binding=true")
	g.Eventually(func() error {
		return exec.Command(envtest.Kubectl(), "--kubeconfig", kubeconfig, "-n", "bound", "run", "admitted",
			"--image=busybox", "--restart=Never").Run()
	}, 30*time.Second, time.Second).Should(Succeed())

	down := exec.Command("make", "--no-print-directory", "run-local-processes-down")
	down.Dir = root
	downOut, err := down.CombinedOutput()
	g.Expect(err).NotTo(HaveOccurred(), string(downOut))
	g.Expect(cmd.Wait()).To(Succeed(), out.String())
	g.Expect(out.String()).To(ContainSubstring("[run-local-processes] stopped"))

	// Nothing outlives it: the process group is empty and the ports are free.
	g.Expect(syscall.Kill(-cmd.Process.Pid, 0)).To(MatchError(syscall.ESRCH))
	for _, port := range []string{"18081", "18082", "18085", "19443", "18443"} {
		l, err := net.Listen("tcp", "127.0.0.1:"+port)
		g.Expect(err).NotTo(HaveOccurred(), "port %s still in use", port)
		g.Expect(l.Close()).To(Succeed())
	}
	g.Expect(filepath.Join(state, "run-local.pid")).NotTo(BeAnExistingFile())
}
