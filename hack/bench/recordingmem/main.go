// Command recordingmem measures a recorder container's memory on a node
// with many pods, with and without spod's enableMemoryOptimization: a
// real API server holds PODS unlabelled pods and a few labelled for
// recording, all on one node, and a child process per setting runs the
// recording reconciler with the daemon's cache options until it has seen
// them, then reports its heap and RSS. Prints numbers, never a verdict.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	ctrl "sigs.k8s.io/controller-runtime"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/securityprofiles/operator/apis/keys"
	"github.com/securityprofiles/operator/daemon/agent"
	"github.com/securityprofiles/operator/daemon/recording"
	"github.com/securityprofiles/operator/internal/scheme"
	"github.com/securityprofiles/operator/test/envtest"
)

const node = "bench-node"

func main() {
	pods := flag.Int("pods", 2000, "unlabelled pods on the node")
	child := flag.String("child", "", "internal: kubeconfig to measure against")
	optimize := flag.Bool("optimize", false, "internal: enableMemoryOptimization")
	flag.Parse()
	if *child != "" {
		measure(*child, *optimize, *pods)
		return
	}
	env, err := envtest.Start()
	check(err)
	defer env.Stop()
	ctx := context.Background()
	check(env.Client.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: node}}))
	check(env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "bench"}}))
	start := time.Now()
	for i := range *pods + 10 {
		labels := map[string]string{"app": "bench"}
		if i >= *pods {
			labels[keys.EnableRecordingLabel] = "true"
		}
		check(env.Client.Create(ctx, &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Namespace: "bench", Name: fmt.Sprintf("pod-%05d", i), Labels: labels,
				Annotations: map[string]string{"note": strings.Repeat("x", 512)}},
			Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "c", Image: "busybox",
				Command: []string{"/bin/sh", "-c", "sleep 3600"}}}},
		}))
	}
	fmt.Printf("created %d pods in %v\n", *pods+10, time.Since(start).Round(time.Second))
	kubeconfig := filepath.Join(os.TempDir(), fmt.Sprintf("spo-bench-%d.kubeconfig", os.Getpid()))
	check(env.Kubeconfig(kubeconfig))
	defer os.Remove(kubeconfig)
	for _, opt := range []string{"false", "true", "false", "true"} {
		out, err := exec.Command(os.Args[0], "-child", kubeconfig, "-optimize="+opt, fmt.Sprintf("-pods=%d", *pods)).CombinedOutput()
		check(err)
		fmt.Print(string(out))
	}
}

// measure runs the logs recording reconciler with the daemon's cache
// until the cache has synced, then prints heap in use and RSS.
func measure(kubeconfig string, optimize bool, pods int) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	check(err)
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme: scheme.New(), Cache: agent.Config{NodeName: node, MemoryOptimization: optimize}.CacheOptions(),
		Metrics: metricsserver.Options{BindAddress: "0"}, HealthProbeBindAddress: "0",
	})
	check(err)
	r := &recording.Reconciler{Client: mgr.GetClient(), Events: mgr.GetEventRecorder("bench"), NodeName: node,
		Recorder: "logs", Backend: &recording.LogBackend{}, Arch: "SCMP_ARCH_X86_64"}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	check(r.SetupWithManager(ctx, mgr))
	go func() { check(mgr.Start(ctx)) }()
	if !mgr.GetCache().WaitForCacheSync(ctx) {
		check(fmt.Errorf("cache did not sync"))
	}
	time.Sleep(5 * time.Second) // let the reconciler see every pod
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	list := &corev1.PodList{}
	check(mgr.GetClient().List(ctx, list))
	fmt.Printf("enableMemoryOptimization=%v: %d of %d pods cached, heap in use %.1f MiB, RSS %s\n",
		optimize, len(list.Items), pods+10, float64(ms.HeapInuse)/(1<<20), rss())
}

func rss() string {
	b, err := os.ReadFile("/proc/self/status")
	check(err)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
