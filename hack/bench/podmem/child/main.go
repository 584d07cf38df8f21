// Command child is the process hack/bench/podmem measures: it runs the
// controllers that read pods with the manager's or a daemon's cache
// options against the API server podmem started, waits until they have
// seen every pod, and prints its memory. It is a binary of its own, not
// podmem re-run, so that its mapped text is that of the controllers (about
// the manager's and daemon's binaries) and not of podmem's test API server.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"
)

var (
	node              string
	operatorNamespace string
)

func main() {
	pods := flag.Int("pods", 10000, "pods podmem made")
	kind := flag.String("measure", "", "manager or daemon")
	kubeconfig := flag.String("against", "", "kubeconfig of the API server to measure against")
	trim := flag.Bool("trim", true, "trim pods before caching them (podcache)")
	optimize := flag.Bool("optimize", false, "the daemon's enableMemoryOptimization")
	flag.StringVar(&node, "node", "", "the node the pods are on")
	flag.StringVar(&operatorNamespace, "operator-namespace", "", "the operator's namespace")
	flag.StringVar(&heapDir, "heap-profiles", "", "write the heap profile (after GC) into this directory")
	flag.Parse()
	// The API server's warnings (none matter here) would print stacks.
	ctrl.SetLogger(logr.Discard())
	switch *kind {
	case "manager":
		measureManager(*kubeconfig, *trim, *pods)
	case "daemon":
		measureDaemon(*kubeconfig, *trim, *optimize, *pods)
	default:
		check(fmt.Errorf("-measure=manager or daemon, not %q", *kind))
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
