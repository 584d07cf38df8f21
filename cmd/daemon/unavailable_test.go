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
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/test/buildtest"
	"github.com/securityprofiles/operator/test/envtest"
)

// TestRecorderUnavailableIsReportedOnSpod runs the bpf-recorder container
// of a build without eBPF against a real API server: it keeps running and
// says on spod, with the node and the reason, that it cannot record.
func TestRecorderUnavailableIsReportedOnSpod(t *testing.T) {
	bin := buildtest.Build(t, "./cmd/daemon", "GOFLAGS=-tags=no_bpf")
	g := NewWithT(t)
	env, err := envtest.Start()
	g.Expect(err).NotTo(HaveOccurred())
	t.Cleanup(func() { _ = env.Stop() })
	dir := t.TempDir()
	kubeconfig := filepath.Join(dir, "kubeconfig")
	g.Expect(env.Kubeconfig(kubeconfig)).To(Succeed())
	ctx := context.Background()
	const ns = "security-profiles-operator"
	g.Expect(env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})).To(Succeed())
	g.Expect(env.Client.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-x"}})).To(Succeed())
	g.Expect(env.Client.Create(ctx, &spodv1alpha1.SecurityProfilesOperatorDaemon{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: spodv1alpha1.Name},
	})).To(Succeed())

	cmd := exec.Command(bin, "bpf-recorder", "--host-proc=/proc", "--sidecar-metrics-dir="+filepath.Join(dir, "metrics"))
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "NODE_NAME=node-x", "OPERATOR_NAMESPACE="+ns)
	out := &buildtest.Output{}
	cmd.Stdout, cmd.Stderr = out, out
	g.Expect(cmd.Start()).To(Succeed())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	g.Eventually(func() []string {
		list := &eventsv1.EventList{}
		_ = env.Client.List(ctx, list, client.InNamespace(ns))
		var notes []string
		for _, e := range list.Items {
			if e.Reason == ReasonRecorderUnavailable && e.Regarding.Kind == "SecurityProfilesOperatorDaemon" {
				notes = append(notes, e.Note)
			}
		}
		return notes
	}).WithTimeout(30*time.Second).Should(ContainElement(And(ContainSubstring("node-x"), ContainSubstring("built without eBPF"))), func() string { return out.String() })
	// It still runs, so recordings on the node can be told too.
	g.Expect(cmd.ProcessState).To(BeNil(), out.String())
	g.Eventually(func() error {
		_, err := os.Stat(filepath.Join(dir, "metrics", "bpf-recorder.sock"))
		return err
	}).WithTimeout(10 * time.Second).Should(Succeed())
}
