package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	"github.com/securityprofiles/operator/test/envtest"
)

// installedWatch reports when each profile in ns first becomes Installed.
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
	w, err := wc.Watch(ctx, &seccompprofilev1beta1.SeccompProfileList{}, client.InNamespace(ns))
	if err != nil {
		return nil, err
	}
	iw := &installedWatch{at: map[string]time.Time{}, stop: w.Stop}
	go func() {
		for ev := range w.ResultChan() {
			sp, ok := ev.Object.(*seccompprofilev1beta1.SeccompProfile)
			if !ok || ev.Type == watch.Deleted || sp.Status.Status != profilebasev1alpha1.StateInstalled {
				continue
			}
			iw.mu.Lock()
			if _, seen := iw.at[sp.Name]; !seen {
				iw.at[sp.Name] = time.Now()
			}
			iw.mu.Unlock()
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

// latency creates profiles one at a time and measures create -> Installed
// (every node installed it and the manager reported it).
func latency(ctx context.Context, env *envtest.Env, n int) ([]time.Duration, error) {
	ns, err := namespace(ctx, env, "latency-")
	if err != nil {
		return nil, err
	}
	w, err := watchInstalled(ctx, env, ns)
	if err != nil {
		return nil, err
	}
	defer w.stop()
	var out []time.Duration
	for i := 0; i < n; i++ {
		sp := profile(ns, i)
		start := time.Now()
		if err := env.Client.Create(ctx, sp); err != nil {
			return nil, err
		}
		done, err := w.wait(sp.Name, time.Minute)
		if err != nil {
			return nil, err
		}
		out = append(out, done.Sub(start))
	}
	slices.Sort(out)
	return out, nil
}

// throughput creates n profiles at once and times until all are Installed.
func throughput(ctx context.Context, env *envtest.Env, n int) (time.Duration, error) {
	ns, err := namespace(ctx, env, "bulk-")
	if err != nil {
		return 0, err
	}
	w, err := watchInstalled(ctx, env, ns)
	if err != nil {
		return 0, err
	}
	defer w.stop()
	start := time.Now()
	for i := 0; i < n; i++ {
		if err := env.Client.Create(ctx, profile(ns, i)); err != nil {
			return 0, err
		}
	}
	var last time.Time
	for i := 0; i < n; i++ {
		t, err := w.wait("p-"+strconv.Itoa(i), 10*time.Minute)
		if err != nil {
			return 0, err
		}
		if t.After(last) {
			last = t
		}
	}
	return last.Sub(start), nil
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

// rssKiB is this process's resident set size.
func rssKiB() int {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			return kb
		}
	}
	return 0
}
