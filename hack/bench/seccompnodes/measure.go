package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	"github.com/securityprofiles/operator/test/envtest"
)

// installedWatch reports when each profile in ns first becomes Installed.
// The API server ends a watch it finds too slow, which under this load it
// does: the watch is then started again from the resourceVersion it had
// reached, so no transition is missed.
type installedWatch struct {
	mu   sync.Mutex
	at   map[string]time.Time
	stop func()
}

func watchInstalled(ctx context.Context, env *envtest.Env, ns string) (*installedWatch, error) {
	wc, err := client.NewWithWatch(env.Config, client.Options{Scheme: env.Scheme})
	if err != nil {
		return nil, err
	}
	list := &seccompprofilev1beta1.SeccompProfileList{}
	if err := wc.List(ctx, list, client.InNamespace(ns)); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	iw := &installedWatch{at: map[string]time.Time{}, stop: cancel}
	go func() {
		version := list.ResourceVersion
		for ctx.Err() == nil {
			w, err := wc.Watch(ctx, &seccompprofilev1beta1.SeccompProfileList{}, client.InNamespace(ns),
				&client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: version}})
			if err != nil {
				time.Sleep(100 * time.Millisecond)
				continue
			}
			for ev := range w.ResultChan() {
				if ev.Type == watch.Error {
					version = "" // expired: start over from the current state
					continue
				}
				sp, ok := ev.Object.(*seccompprofilev1beta1.SeccompProfile)
				if !ok {
					continue
				}
				version = sp.ResourceVersion
				if ev.Type == watch.Deleted || sp.Status.Status != profilebasev1alpha1.StateInstalled {
					continue
				}
				iw.mu.Lock()
				if _, seen := iw.at[sp.Name]; !seen {
					iw.at[sp.Name] = time.Now()
				}
				iw.mu.Unlock()
			}
			w.Stop()
		}
	}()
	return iw, nil
}

func (w *installedWatch) wait(name string, limit time.Duration) (time.Time, error) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		w.mu.Lock()
		t, ok := w.at[name]
		w.mu.Unlock()
		if ok {
			return t, nil
		}
		time.Sleep(2 * time.Millisecond)
	}
	return time.Time{}, fmt.Errorf("%s not Installed within %v", name, limit)
}

func namespace(ctx context.Context, env *envtest.Env, prefix string) (string, error) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix}}
	return ns.Name, env.Client.Create(ctx, ns)
}

func profile(ns string, i int) *seccompprofilev1beta1.SeccompProfile {
	return &seccompprofilev1beta1.SeccompProfile{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "p-" + strconv.Itoa(i)},
		Spec: seccompprofilev1beta1.SeccompProfileSpec{DefaultAction: seccompprofilev1beta1.ActionErrno,
			BaseProfileName: "runc-v1.1.4",
			Syscalls: []seccompprofilev1beta1.Syscall{{Action: seccompprofilev1beta1.ActionAllow,
				Names: []seccompprofilev1beta1.SyscallName{"accept4", "listen", "bind", "socket"}}}},
	}
}

// nodesReported watches the node statuses of ns and reports when each
// profile was first listed Installed by every one of nodes nodes.
type nodesReported struct {
	mu     sync.Mutex
	counts map[string]int
	at     map[string]time.Time
}

func watchNodes(ctx context.Context, env *envtest.Env, ns string, nodes int) (*nodesReported, error) {
	wc, err := client.NewWithWatch(env.Config, client.Options{Scheme: env.Scheme})
	if err != nil {
		return nil, err
	}
	w, err := wc.Watch(ctx, &nodestatusv1alpha1.SecurityProfileNodeStatusList{}, client.InNamespace(ns))
	if err != nil {
		return nil, err
	}
	nr := &nodesReported{counts: map[string]int{}, at: map[string]time.Time{}}
	seen := map[string]map[string]bool{} // node -> profiles seen Installed
	go func() {
		for ev := range w.ResultChan() {
			s, ok := ev.Object.(*nodestatusv1alpha1.SecurityProfileNodeStatus)
			if !ok {
				continue
			}
			if seen[s.NodeName] == nil {
				seen[s.NodeName] = map[string]bool{}
			}
			nr.mu.Lock()
			for _, e := range s.States() {
				if e.Status == profilebasev1alpha1.StateInstalled && !seen[s.NodeName][e.Name] {
					seen[s.NodeName][e.Name] = true
					nr.counts[e.Name]++
					if nr.counts[e.Name] == nodes {
						nr.at[e.Name] = time.Now()
					}
				}
			}
			nr.mu.Unlock()
		}
	}()
	go func() { <-ctx.Done(); w.Stop() }()
	return nr, nil
}

// latency creates profiles one at a time and measures create -> Installed
// (every node installed it and the manager reported it).
func latency(ctx context.Context, env *envtest.Env, ns string, n, nodes int) ([]time.Duration, error) {
	w, err := watchInstalled(ctx, env, ns)
	if err != nil {
		return nil, err
	}
	defer w.stop()
	nr, err := watchNodes(ctx, env, ns, nodes)
	if err != nil {
		return nil, err
	}
	var reported []time.Duration
	defer func() {
		slices.Sort(reported)
		fmt.Printf("    create -> every node's status lists it Installed: p50 %v  p99 %v\n", pct(reported, 50), pct(reported, 99))
	}()
	var out []time.Duration
	for i := 0; i < n; i++ {
		sp := profile(ns, i)
		start := time.Now()
		if err := env.Client.Create(ctx, sp); err != nil {
			return nil, err
		}
		done, err := w.wait(sp.Name, time.Minute)
		if err != nil {
			return nil, fmt.Errorf("%w; %s", err, stuckState(ctx, env, sp, nr))
		}
		out = append(out, done.Sub(start))
		nr.mu.Lock()
		if t, ok := nr.at[sp.Name]; ok {
			reported = append(reported, t.Sub(start))
		}
		nr.mu.Unlock()
	}
	slices.Sort(out)
	return out, nil
}

// stuckState says what the API server holds of a profile that did not
// become Installed: its status, and how many nodes list it Installed.
func stuckState(ctx context.Context, env *envtest.Env, sp *seccompprofilev1beta1.SeccompProfile, nr *nodesReported) string {
	got := &seccompprofilev1beta1.SeccompProfile{}
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(sp), got); err != nil {
		return err.Error()
	}
	nr.mu.Lock()
	defer nr.mu.Unlock()
	return fmt.Sprintf("status %q (generation %d, resourceVersion %s, nodes %+v), finalizers %v; listed Installed by %d node statuses",
		got.Status.Status, got.Generation, got.ResourceVersion, got.Status.Nodes, got.Finalizers, nr.counts[sp.Name])
}

// warmUp waits until a first profile is Installed: the manager's child
// process and the daemons' caches take a second or two to start, which
// is not the latency of a running operator.
func warmUp(ctx context.Context, env *envtest.Env) (time.Duration, error) {
	ns, err := namespace(ctx, env, "warm-up-")
	if err != nil {
		return 0, err
	}
	w, err := watchInstalled(ctx, env, ns)
	if err != nil {
		return 0, err
	}
	defer w.stop()
	start := time.Now()
	if err := env.Client.Create(ctx, profile(ns, 0)); err != nil {
		return 0, err
	}
	done, err := w.wait(profile(ns, 0).Name, time.Minute)
	return done.Sub(start), err
}

// throughput creates n profiles at once and times until all are Installed.
func throughput(ctx context.Context, env *envtest.Env, ns string, n int) (time.Duration, error) {
	w, err := watchInstalled(ctx, env, ns)
	if err != nil {
		return 0, err
	}
	defer w.stop()
	start := time.Now()
	created, err := createProfiles(ctx, env, ns, n)
	if err != nil {
		return 0, err
	}
	var done []time.Duration
	for i := 0; i < n; i++ {
		t, err := w.wait("p-"+strconv.Itoa(i), 10*time.Minute)
		if err != nil {
			return 0, err
		}
		done = append(done, t.Sub(start))
	}
	slices.Sort(done)
	fmt.Printf("    all created after %v; Installed: 10%% after %v, 50%% %v, 90%% %v\n",
		created.Round(time.Millisecond), pct(done, 10), pct(done, 50), pct(done, 90))
	return done[len(done)-1], nil
}

// createProfiles creates n profiles in ns with a client of its own,
// unthrottled, from 8 goroutines (the run measures the operator, not the
// user's client), and returns how long that took.
func createProfiles(ctx context.Context, env *envtest.Env, ns string, n int) (time.Duration, error) {
	cfg := *env.Config
	cfg.QPS, cfg.Burst = 5000, 5000
	c, err := client.New(&cfg, client.Options{Scheme: env.Scheme})
	if err != nil {
		return 0, err
	}
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i := 0; i < n; i++ {
		g.Go(func() error { return c.Create(gctx, profile(ns, i)) })
	}
	err = g.Wait()
	return time.Since(start), err
}

func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	if i < 1 {
		i = 1
	}
	return sorted[min(i, len(sorted))-1].Round(time.Millisecond)
}

// specUpdates changes the spec of n profiles of ns, already Installed, one
// at a time, and measures until every node's file has the change; after
// the last one it waits for the manager to report the new generation, so
// the writes counted around it are all an update costs.
func specUpdates(ctx context.Context, env *envtest.Env, dir, ns string, n, nodes int) ([]time.Duration, error) {
	var out []time.Duration
	var sp *seccompprofilev1beta1.SeccompProfile
	for i := 0; i < n; i++ {
		sp = &seccompprofilev1beta1.SeccompProfile{}
		if err := env.Client.Get(ctx, client.ObjectKey{Namespace: ns, Name: "p-" + strconv.Itoa(i)}, sp); err != nil {
			return nil, err
		}
		sp.Spec.Syscalls[0].Names = append(sp.Spec.Syscalls[0].Names, "mkdir")
		start := time.Now()
		if err := env.Client.Update(ctx, sp); err != nil {
			return nil, err
		}
		if err := filesHave(dir, ns, sp.Name, nodes, `"mkdir"`, time.Minute); err != nil {
			return nil, err
		}
		out = append(out, time.Since(start))
	}
	deadline := time.Now().Add(time.Minute)
	for {
		got := &seccompprofilev1beta1.SeccompProfile{}
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(sp), got); err != nil {
			return nil, err
		}
		if c := got.Status.ReadyCondition(); c != nil && c.ObservedGeneration == sp.Generation {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%s: generation %d not reported within a minute", sp.Name, sp.Generation)
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // writes still under way
	slices.Sort(out)
	return out, nil
}

// filesHave waits until every simulated node's file of a profile holds
// text.
func filesHave(dir, ns, name string, nodes int, text string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for node := 0; node < nodes; node++ {
		path := filepath.Join(dir, "node-"+strconv.Itoa(node), "kubelet", "seccomp", "operator", ns, name+".json")
		for {
			data, err := os.ReadFile(path)
			if err == nil && strings.Contains(string(data), text) {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s: no %s within %v", path, text, limit)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	return nil
}
