// Command seccompnodes measures how fast SeccompProfiles reach Installed on
// many simulated nodes: a real API server, N node daemons in this process,
// each with its own kubelet root, and the manager's controller in a child
// process of its own, so its memory is measured alone. It prints latency
// percentiles, throughput, the API objects and writes the node statuses
// cost, and memory; it asserts nothing.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"

	"github.com/go-logr/logr"
	ctrl "sigs.k8s.io/controller-runtime"
)

func main() {
	nodes := flag.Int("nodes", 20, "simulated nodes")
	latencyProfiles := flag.Int("latency-profiles", 200, "profiles created one at a time for latency")
	bulkProfiles := flag.Int("bulk-profiles", 1000, "profiles created at once for throughput")
	storage := flag.String("storage", "", "where the simulated nodes keep their files (default: a directory under /dev/shm, else the temp dir)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	flag.StringVar(&apiServerProfilePath, "apiserver-cpuprofile", "", "write a CPU profile of the API server, 15 s from 3 s into the bulk phase, to this file")
	floorFirst := flag.Bool("floor", false, "first measure the bulk creates alone: seen by one watch per node, no operator")
	managerKubeconfig := flag.String("run-manager", "", "internal: run only the manager against this kubeconfig")
	flag.Parse()
	// The numbers are the output; controller logs would drown them.
	ctrl.SetLogger(logr.Discard())
	if *managerKubeconfig != "" {
		if err := runManager(*managerKubeconfig); err != nil {
			fmt.Fprintln(os.Stderr, "seccompnodes manager:", err)
			os.Exit(1)
		}
		return
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "seccompnodes:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if err := run(context.Background(), *nodes, *latencyProfiles, *bulkProfiles, *storage, *floorFirst); err != nil {
		fmt.Fprintln(os.Stderr, "seccompnodes:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}
