package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/securityprofiles/operator/controllers/lsmprofile"
	"github.com/securityprofiles/operator/controllers/podgate"
	"github.com/securityprofiles/operator/controllers/seccompprofile"
	"github.com/securityprofiles/operator/controllers/selinuxnode"
	"github.com/securityprofiles/operator/controllers/spod"
	"github.com/securityprofiles/operator/daemon/agent"
	"github.com/securityprofiles/operator/daemon/recording"
	"github.com/securityprofiles/operator/internal/podcache"
	"github.com/securityprofiles/operator/internal/scheme"
)

// measureManager runs the manager's controllers that read pods with the
// cache options of cmd/manager (cacheOptions there; with -trim=false as
// they were before the transforms).
func measureManager(kubeconfig string, trim bool, pods int) {
	opts := cache.Options{ByObject: spod.CacheOptions(operatorNamespace)}
	if trim {
		opts.DefaultTransform = cache.TransformStripManagedFields()
		opts.ByObject[&corev1.Pod{}] = cache.ByObject{Transform: podcache.Manager(operatorNamespace)}
	}
	mgr, ctx := newManager(kubeconfig, opts)
	c := mgr.GetClient()
	check((&seccompprofile.Reconciler{Client: c, Events: mgr.GetEventRecorder("bench")}).SetupWithManager(ctx, mgr))
	check((&podgate.Reconciler{Client: c, Events: mgr.GetEventRecorder("bench"), OperatorNamespace: operatorNamespace}).SetupWithManager(ctx, mgr))
	check((&selinuxnode.Reconciler{Client: c, APIReader: mgr.GetAPIReader(), Events: mgr.GetEventRecorder("bench"),
		OperatorNamespace: operatorNamespace}).SetupWithManager(mgr))
	check(lsmprofile.SetupWithManager(ctx, mgr, lsmprofile.Config{OperatorNamespace: operatorNamespace}))
	report(ctx, mgr, fmt.Sprintf("manager, pod transform %-5v", trim), pods)
}

// measureDaemon runs a recorder's reconciler, which feeds the enricher's
// container directory, with a daemon's cache options.
func measureDaemon(kubeconfig string, trim, optimize bool, pods int) {
	opts := agent.Config{NodeName: node, OperatorNamespace: operatorNamespace, MemoryOptimization: optimize}.CacheOptions()
	for obj, by := range opts.ByObject {
		if _, ok := obj.(*corev1.Pod); ok && !trim {
			by.Transform = nil // the default: managedFields stripped only
			opts.ByObject[obj] = by
		}
	}
	mgr, ctx := newManager(kubeconfig, opts)
	r := &recording.Reconciler{Client: mgr.GetClient(), Events: mgr.GetEventRecorder("bench"), NodeName: node,
		Recorder: "logs", Backend: &recording.LogBackend{}, Arch: "SCMP_ARCH_X86_64"}
	check(r.SetupWithManager(ctx, mgr))
	report(ctx, mgr, fmt.Sprintf("daemon,  pod transform %-5v enableMemoryOptimization %-5v", trim, optimize), pods)
}

func newManager(kubeconfig string, opts cache.Options) (ctrl.Manager, context.Context) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	check(err)
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{Scheme: scheme.New(), Cache: opts,
		Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: "0"})
	check(err)
	return mgr, context.Background()
}

// report starts mgr, waits until its caches hold what they will hold and
// the controllers have had the time to see every pod, then prints the
// memory figures.
func report(ctx context.Context, mgr ctrl.Manager, name string, pods int) {
	var sync *syncMax
	if os.Getenv("PODMEM_DETAIL") != "" {
		sync = watchSync()
	}
	go func() { check(mgr.Start(ctx)) }()
	if !mgr.GetCache().WaitForCacheSync(ctx) {
		check(fmt.Errorf("cache did not sync"))
	}
	time.Sleep(10 * time.Second)
	peak := procStatus("VmHWM")
	cached := cachedPods(ctx, mgr)
	// The runtime returns freed pages to the OS over minutes; this is the
	// RSS it settles at.
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("%s: %5d of %d pods cached, heap in use %6.1f MiB (live %6.1f), RSS %6.1f MiB, peak RSS %6.1f MiB\n",
		name, cached, pods, mib(ms.HeapInuse), mib(ms.HeapAlloc), procStatus("VmRSS"), peak)
	if sync != nil {
		sync.print(ms)
	}
	if heapDir != "" {
		f, err := os.Create(filepath.Join(heapDir, strings.NewReplacer(" ", "", ",", "-", ":", "").Replace(name)+".pprof"))
		check(err)
		check(pprof.WriteHeapProfile(f))
		check(f.Close())
	}
}

// heapDir is where report writes heap profiles, if anywhere.
var heapDir string

// cachedPods counts the pods in the cache, without copying them.
func cachedPods(ctx context.Context, mgr ctrl.Manager) int {
	list := &corev1.PodList{}
	check(mgr.GetClient().List(ctx, list, client.UnsafeDisableDeepCopy))
	return len(list.Items)
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// procStatus reads a kB figure of /proc/self/status, in MiB.
func procStatus(field string) float64 {
	b, err := os.ReadFile("/proc/self/status")
	check(err)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			check(err)
			return kb / 1024
		}
	}
	return 0
}

// syncMax holds the highest live heap and heap goal the process reached:
// PODMEM_DETAIL=1 prints them with where the RSS is (anonymous memory or
// the binary's mapped text), the runtime's figures and the CPU used.
type syncMax struct{ live, goal atomic.Uint64 }

func watchSync() *syncMax {
	m := &syncMax{}
	go func() {
		s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/heap/goal:bytes"}}
		for {
			metrics.Read(s)
			m.live.Store(max(m.live.Load(), s[0].Value.Uint64()))
			m.goal.Store(max(m.goal.Load(), s[1].Value.Uint64()))
			time.Sleep(20 * time.Millisecond)
		}
	}()
	return m
}

func (m *syncMax) print(ms runtime.MemStats) {
	fmt.Printf("  RssAnon %.1f RssFile %.1f; Go Sys %.1f: HeapSys %.1f HeapReleased %.1f StackSys %.1f GCSys %.1f; NumGC %d\n",
		procStatus("RssAnon"), procStatus("RssFile"), mib(ms.Sys), mib(ms.HeapSys), mib(ms.HeapReleased), mib(ms.StackSys), mib(ms.GCSys), ms.NumGC)
	var ru syscall.Rusage
	check(syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	fmt.Printf("  highest live heap %.1f MiB, highest heap goal %.1f MiB, CPU %.2fs\n",
		mib(m.live.Load()), mib(m.goal.Load()), time.Duration(ru.Utime.Nano()+ru.Stime.Nano()).Seconds())
}
