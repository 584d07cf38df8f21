package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/securityprofiles/operator/test/buildtest"
	"github.com/securityprofiles/operator/test/envtest"
	"github.com/securityprofiles/operator/test/require"
)

// TestStandaloneWithRecordingRunsBothRecorders starts the daemon by hand
// with --with-recording against a real API server: besides installing
// profiles, it loads the eBPF recorder and reads audit records itself.
func TestStandaloneWithRecordingRunsBothRecorders(t *testing.T) {
	require.Root(t)
	require.BTF(t)
	bin := buildtest.Build(t, "./cmd/daemon")
	g := NewWithT(t)
	env, err := envtest.Start()
	g.Expect(err).NotTo(HaveOccurred())
	t.Cleanup(func() { _ = env.Stop() })
	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	g.Expect(env.Kubeconfig(kubeconfig)).To(Succeed())
	g.Expect(env.Client.Create(context.Background(), &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-s"}})).To(Succeed())

	cmd := exec.Command(bin, "--with-recording", "--health-probe-bind-address=0",
		"--profile-storage-dir="+filepath.Join(dir, "storage"))
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "NODE_NAME=node-s", "KUBELET_DIR="+filepath.Join(dir, "kubelet"))
	out := &buildtest.Output{}
	cmd.Stdout, cmd.Stderr = out, out
	g.Expect(cmd.Start()).To(Succeed())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	for _, msg := range []string{recordingInProcess, "BPF recorder loaded and self-tested", "Reading audit records"} {
		g.Eventually(func() map[string]any { return buildtest.LogLine(out.String(), msg) }).
			WithTimeout(30*time.Second).ShouldNot(BeNil(), func() string { return out.String() })
	}
}
