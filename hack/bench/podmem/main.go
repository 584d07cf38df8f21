// Command podmem measures the pod caches' memory with many pods: the
// manager's (every pod of the cluster) with and without the pod
// transform, and a node daemon's (every pod of its node) without the
// transform, with it, and with it plus spod's enableMemoryOptimization.
// A real API server holds the pods; each configuration runs in a child
// process of its own, so its RSS is its own, which starts the controllers
// that read pods with the binary's cache options, waits until they have
// seen every pod, then prints heap in use after GC, RSS and peak RSS.
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
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/securityprofiles/operator/test/envtest"
)

const (
	node              = "bench-node"
	operatorNamespace = "security-profiles-operator"
)

func main() {
	pods := flag.Int("pods", 10000, "pods on the node")
	child := flag.String("child", "", "internal: manager or daemon, measured against -against")
	kubeconfig := flag.String("against", "", "internal: kubeconfig of the API server to measure against")
	trim := flag.Bool("trim", true, "internal: trim pods before caching them (podcache)")
	optimize := flag.Bool("optimize", false, "internal: the daemon's enableMemoryOptimization")
	flag.StringVar(&heapDir, "heap-profiles", "", "write each configuration's heap profile (after GC) into this directory")
	serve := flag.Bool("serve", false, "create the pods, print the kubeconfig and wait for an interrupt, to run children by hand")
	flag.Parse()
	// The API server's warnings (none matter here) would print stacks.
	ctrl.SetLogger(logr.Discard())
	switch *child {
	case "manager":
		measureManager(*kubeconfig, *trim, *pods)
		return
	case "daemon":
		measureDaemon(*kubeconfig, *trim, *optimize, *pods)
		return
	}
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
		fmt.Printf("kubeconfig %s; run %s -child=manager|daemon -against=%s\n", path, os.Args[0], path)
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		return
	}
	for _, args := range [][]string{
		{"-child=manager", "-trim=false"},
		{"-child=manager", "-trim=true"},
		{"-child=daemon", "-trim=false", "-optimize=false"},
		{"-child=daemon", "-trim=true", "-optimize=false"},
		{"-child=daemon", "-trim=true", "-optimize=true"},
	} {
		args = append(args, "-against="+path, fmt.Sprintf("-pods=%d", *pods), "-heap-profiles="+heapDir)
		out, err := exec.Command(os.Args[0], args...).CombinedOutput()
		fmt.Print(string(out))
		check(err)
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
