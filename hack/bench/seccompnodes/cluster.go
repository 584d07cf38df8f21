package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/config"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/securityprofiles/operator/controllers/seccompprofile"
	"github.com/securityprofiles/operator/daemon/agent"
	"github.com/securityprofiles/operator/internal/scheme"
	"github.com/securityprofiles/operator/test/envtest"
)

func options() ctrl.Options {
	return ctrl.Options{Scheme: scheme.New(), Metrics: metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0", Controller: config.Controller{SkipNameValidation: ptr.To(true)}}
}

// asBinaries returns a copy of cfg with the client rate the operator's
// binaries have: ctrl.GetConfigOrDie leaves client-go's rate limiter off
// (QPS -1) and relies on the API server's priority and fairness. A limit
// of the bench's own (it had 100/s for the manager, 50/s per daemon)
// would cap what the run measures.
func asBinaries(cfg *rest.Config) *rest.Config {
	c := rest.CopyConfig(cfg)
	c.QPS, c.Burst = -1, 0
	return c
}

// startDaemons creates n nodes and runs a daemon for each in this process.
func startDaemons(ctx context.Context, env *envtest.Env, dir string, n int) error {
	if err := env.Client.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: agent.DefaultOperatorNamespace}}); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		name := "node-" + strconv.Itoa(i)
		if err := env.Client.Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}); err != nil {
			return err
		}
		// Each daemon gets the client a real one has to itself: unthrottled
		// (asBinaries), and a Dial function of its own keeps client-go
		// from sharing one HTTP/2 connection (and its stream limit)
		// between all the daemons' watches.
		cfg := asBinaries(env.Config)
		cfg.Dial = (&net.Dialer{}).DialContext
		opts := options()
		opts.Cache = agent.CacheOptions(name)
		mgr, err := ctrl.NewManager(cfg, opts)
		if err != nil {
			return err
		}
		if err := agent.Setup(ctx, mgr, mgr.GetAPIReader(), agent.Config{NodeName: name,
			KubeletDir: filepath.Join(dir, name, "kubelet"), StorageDir: filepath.Join(dir, name, "storage")}); err != nil {
			return err
		}
		go func() { _ = mgr.Start(ctx) }()
	}
	return nil
}

// startManager runs the manager's SeccompProfile controller in a child
// process (this program with -run-manager) and returns it.
func startManager(env *envtest.Env, dir string) (*exec.Cmd, managerWrites, error) {
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := env.Kubeconfig(kubeconfig); err != nil {
		return nil, managerWrites{}, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, managerWrites{}, err
	}
	cmd := exec.Command(self, "-run-manager", kubeconfig)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, managerWrites{}, err
	}
	if err := cmd.Start(); err != nil {
		return nil, managerWrites{}, err
	}
	// The child says when it counts: a SIGUSR1 before would kill it.
	m := managerWrites{pid: cmd.Process.Pid, line: bufio.NewReader(out)}
	if line, err := m.line.ReadString('\n'); err != nil || line != "ready\n" {
		return nil, m, fmt.Errorf("manager did not start: %q %v", line, err)
	}
	return cmd, m, nil
}

// runManager is the child: the manager's controller until it is killed.
func runManager(kubeconfig string) error {
	reportWritesOnSignal()
	fmt.Println("ready")
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	mgr, err := ctrl.NewManager(asBinaries(cfg), options())
	if err != nil {
		return err
	}
	ctx := ctrl.SetupSignalHandler()
	if path := os.Getenv("SECCOMPNODES_MANAGER_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if err := (&seccompprofile.Reconciler{Client: mgr.GetClient(), Events: mgr.GetEventRecorder("seccompprofile-controller")}).SetupWithManager(ctx, mgr); err != nil {
		return err
	}
	return mgr.Start(ctx)
}

// storageDir is where the simulated nodes keep their files: memory when
// there is some, as real nodes write their own disks in parallel.
func storageDir(flagValue string) (string, func(), error) {
	parent := flagValue
	if parent == "" {
		if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
			parent = "/dev/shm"
		}
	}
	dir, err := os.MkdirTemp(parent, "seccompnodes")
	if err != nil {
		return "", nil, err
	}
	return dir, func() { _ = os.RemoveAll(dir) }, nil
}

// rssKiB is the resident set size of a process ("self" for this one).
func rssKiB(pid string) int {
	data, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	var kb int
	for _, line := range strings.Split(string(data), "\n") {
		if _, err := fmt.Sscanf(line, "VmRSS: %d kB", &kb); err == nil {
			return kb
		}
	}
	return 0
}
