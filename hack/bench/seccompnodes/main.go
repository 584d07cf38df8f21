// Command seccompnodes measures how fast SeccompProfiles reach Installed on
// many simulated nodes: a real API server, the manager's controller and N
// node daemons in one process, each with its own kubelet root. It prints
// latency percentiles and throughput; it asserts nothing.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/securityprofiles/operator/controllers/seccompprofile"
	"github.com/securityprofiles/operator/daemon/agent"
	"github.com/securityprofiles/operator/test/envtest"
)

func main() {
	nodes := flag.Int("nodes", 20, "simulated nodes")
	latencyProfiles := flag.Int("latency-profiles", 200, "profiles created one at a time for latency")
	bulkProfiles := flag.Int("bulk-profiles", 1000, "profiles created at once for throughput")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	flag.Parse()
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
	// The numbers are the output; controller logs would drown them.
	ctrl.SetLogger(logr.Discard())
	if err := run(*nodes, *latencyProfiles, *bulkProfiles); err != nil {
		fmt.Fprintln(os.Stderr, "seccompnodes:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

func run(nodes, latencyN, bulkN int) error {
	env, err := envtest.Start()
	if err != nil {
		return err
	}
	defer env.Stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir, err := os.MkdirTemp("", "seccompnodes")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := startCluster(ctx, env, dir, nodes); err != nil {
		return err
	}
	rssBefore := rssKiB()
	lat, err := latency(ctx, env, latencyN)
	if err != nil {
		return err
	}
	bulk, err := throughput(ctx, env, bulkN)
	if err != nil {
		return err
	}
	fmt.Printf("seccomp profiles on %d simulated nodes\n", nodes)
	fmt.Printf("  create -> Installed, %d profiles one at a time: p50 %v  p99 %v  max %v\n",
		latencyN, pct(lat, 50), pct(lat, 99), pct(lat, 100))
	fmt.Printf("  %d profiles x %d nodes all Installed in %v (%.0f profile-node installs/s)\n",
		bulkN, nodes, bulk.Round(time.Millisecond), float64(bulkN*nodes)/bulk.Seconds())
	fmt.Printf("  process RSS (manager + %d daemons + clients): %d MiB before, %d MiB after (%.1f MiB per daemon)\n",
		nodes, rssBefore/1024, rssKiB()/1024, float64(rssKiB()-rssBefore)/1024/float64(nodes))
	return nil
}

func options(env *envtest.Env) ctrl.Options {
	return ctrl.Options{Scheme: env.Scheme, Metrics: metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0", Controller: config.Controller{SkipNameValidation: ptr.To(true)}}
}

func startCluster(ctx context.Context, env *envtest.Env, dir string, n int) error {
	if err := env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: agent.DefaultOperatorNamespace}}); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		name := "node-" + strconv.Itoa(i)
		if err := env.Client.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}); err != nil {
			return err
		}
		// Each daemon gets the client rate a real one has to itself.
		cfg := *env.Config
		cfg.QPS, cfg.Burst = 50, 100
		opts := options(env)
		opts.Cache = agent.CacheOptions(name)
		mgr, err := ctrl.NewManager(&cfg, opts)
		if err != nil {
			return err
		}
		if err := agent.Setup(ctx, mgr, mgr.GetAPIReader(), agent.Config{NodeName: name,
			KubeletDir: filepath.Join(dir, name, "kubelet"), StorageDir: filepath.Join(dir, name, "storage")}); err != nil {
			return err
		}
		go func() { _ = mgr.Start(ctx) }()
	}
	cfg := *env.Config
	cfg.QPS, cfg.Burst = 100, 200
	mgr, err := ctrl.NewManager(&cfg, options(env))
	if err != nil {
		return err
	}
	if err := (&seccompprofile.Reconciler{Client: mgr.GetClient()}).SetupWithManager(ctx, mgr); err != nil {
		return err
	}
	go func() { _ = mgr.Start(ctx) }()
	return nil
}
