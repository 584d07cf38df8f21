// Command local-control-plane runs etcd and kube-apiserver (the envtest
// binaries built from source) with the operator's CRDs installed, registers
// a Node for this machine, writes an admin kubeconfig, and runs until it is
// told to stop. `make run-local` starts it before the operator's processes.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/test/envtest"
)

func main() {
	var kubeconfig, nodeName, readyFile string
	var namespaces stringList
	flag.StringVar(&kubeconfig, "write-kubeconfig", ".local/kubeconfig", "Where to write the admin kubeconfig.")
	flag.StringVar(&nodeName, "node-name", "", "Name of the Node object to register (default: host name).")
	flag.StringVar(&readyFile, "ready-file", "", "File created once the control plane is ready.")
	flag.Var(&namespaces, "namespace", "Namespace to create (repeatable).")
	flag.Parse()
	if err := run(kubeconfig, nodeName, readyFile, namespaces); err != nil {
		fmt.Fprintln(os.Stderr, "local-control-plane:", err)
		os.Exit(1)
	}
}

func run(kubeconfig, nodeName, readyFile string, namespaces []string) error {
	if nodeName == "" {
		h, err := os.Hostname()
		if err != nil {
			return fmt.Errorf("host name: %w", err)
		}
		nodeName = h
	}
	// Catch signals before starting anything, so a Ctrl-C during start-up
	// still stops etcd and kube-apiserver instead of orphaning them.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	env, err := envtest.Start()
	if err != nil {
		return err
	}
	defer func() {
		if err := env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "local-control-plane: stop:", err)
		}
	}()
	if err := env.Kubeconfig(kubeconfig); err != nil {
		return err
	}
	if err := seed(ctx, env.Client, nodeName, namespaces); err != nil {
		return err
	}
	if readyFile != "" {
		if err := os.WriteFile(readyFile, []byte(env.Config.Host+"\n"), 0o600); err != nil {
			return err
		}
	}
	fmt.Printf("local-control-plane: API server %s ready, node %s registered\n", env.Config.Host, nodeName)
	<-ctx.Done()
	return nil
}

// seed creates the namespaces and the local Node object.
func seed(ctx context.Context, c client.Client, nodeName string, namespaces []string) error {
	for _, ns := range namespaces {
		obj := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}
		if err := c.Create(ctx, obj); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create namespace %s: %w", ns, err)
		}
	}
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{
		Name:   nodeName,
		Labels: map[string]string{corev1.LabelHostname: nodeName, corev1.LabelOSStable: "linux"},
	}}
	if err := c.Create(ctx, node); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("register node %s: %w", nodeName, err)
	}
	node.Status.Conditions = []corev1.NodeCondition{{
		Type: corev1.NodeReady, Status: corev1.ConditionTrue,
		Reason: "LocalProcesses", Message: "node daemon runs as a local process",
		LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now(),
	}}
	if err := c.Status().Update(ctx, node); err != nil {
		return fmt.Errorf("mark node %s ready: %w", nodeName, err)
	}
	return nil
}

type stringList []string

func (s *stringList) String() string     { return fmt.Sprint(*s) }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }
