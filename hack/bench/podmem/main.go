// Command podmem measures the pod caches' memory with many pods: the
// manager's (every pod of the cluster) with and without the pod
// transform, and with its Deployment's GOGC against the default; a node
// daemon's (every pod of its node) without the transform, with it, and
// with it plus spod's enableMemoryOptimization.
// A real API server holds the pods; each configuration runs in a process
// of its own (hack/bench/podmem/child), so its RSS is its own, which starts
// the controllers that read pods with the binary's cache options, waits
// until they have seen every pod, then prints heap in use after GC, RSS
// and peak RSS.
// All pods are on one node: the daemon's worst case, and the manager
// caches every pod wherever it runs. Prints numbers, never a verdict.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/yaml"

	"github.com/securityprofiles/operator/test/envtest"
)

const (
	node              = "bench-node"
	operatorNamespace = "security-profiles-operator"
)

func main() {
	pods := flag.Int("pods", 10000, "pods on the node")
	childBinary := flag.String("child", "", "the measured binary (hack/bench/podmem/child)")
	heapDir := flag.String("heap-profiles", "", "write each configuration's heap profile (after GC) into this directory")
	serve := flag.Bool("serve", false, "create the pods, print the kubeconfig and wait for an interrupt, to run children by hand")
	flag.Parse()
	// The API server's warnings (none matter here) would print stacks.
	ctrl.SetLogger(logr.Discard())
	env, err := envtest.Start()
	check(err)
	defer env.Stop()
	ctx := context.Background()
	check(env.Client.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: node}}))
	start := time.Now()
	size, err := createPods(ctx, env.Config, *pods)
	check(err)
	fmt.Printf("created %d pods (%.1f KiB each as JSON) in %v\n", *pods, float64(size)/1024, time.Since(start).Round(time.Second))
	path := filepath.Join(os.TempDir(), fmt.Sprintf("spo-podmem-%d.kubeconfig", os.Getpid()))
	check(env.Kubeconfig(path))
	defer os.Remove(path)
	if *serve {
		fmt.Printf("kubeconfig %s; run %s -measure=manager|daemon -node=%s -operator-namespace=%s -against=%s\n",
			path, *childBinary, node, operatorNamespace, path)
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		return
	}
	deployed := managerGOGC()
	for _, run := range []struct {
		gogc string
		args []string
	}{
		{"", []string{"-measure=manager", "-trim=false"}},
		// The Deployment's GOGC against the default, A, B, A, B: a few MiB.
		{"100", []string{"-measure=manager", "-trim=true"}},
		{deployed, []string{"-measure=manager", "-trim=true"}},
		{"100", []string{"-measure=manager", "-trim=true"}},
		{deployed, []string{"-measure=manager", "-trim=true"}},
		{"", []string{"-measure=daemon", "-trim=false", "-optimize=false"}},
		{"", []string{"-measure=daemon", "-trim=true", "-optimize=false"}},
		{"", []string{"-measure=daemon", "-trim=true", "-optimize=true"}},
	} {
		args := append(run.args, "-against="+path, fmt.Sprintf("-pods=%d", *pods), "-heap-profiles="+*heapDir,
			"-node="+node, "-operator-namespace="+operatorNamespace)
		cmd := exec.Command(*childBinary, args...)
		cmd.Env = os.Environ()
		if run.gogc != "" {
			cmd.Env = append(cmd.Env, "GOGC="+run.gogc)
			fmt.Printf("GOGC=%s ", run.gogc)
		}
		out, err := cmd.CombinedOutput()
		fmt.Print(string(out))
		check(err)
	}
}

// managerGOGC is the GOGC the manager's Deployment sets: the manager's
// numbers are its numbers only if measured with it.
func managerGOGC() string {
	b, err := os.ReadFile("config/manager/manager.yaml")
	check(err)
	var deployment appsv1.Deployment
	check(yaml.Unmarshal(b, &deployment))
	for _, c := range deployment.Spec.Template.Spec.Containers {
		for _, env := range c.Env {
			if env.Name == "GOGC" {
				return env.Value
			}
		}
	}
	return "100"
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
