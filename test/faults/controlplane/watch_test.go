package controlplanefaults

import (
	"context"
	"fmt"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
)

// watchProfiles records the history of the SeccompProfiles of ns from
// now on. The watch resumes from the last version it saw when the
// connection breaks. A restarted API server refuses that version (410
// Gone: its watch cache starts at the current one), so the watch then
// starts over from a list, which records each profile's state at that
// moment. No profile changes while the server is down, so the list
// misses nothing the manager wrote.
func (c *cluster) watchProfiles(t *testing.T, ns string) *history {
	t.Helper()
	wc, err := client.NewWithWatch(c.env.Config, client.Options{Scheme: c.env.Scheme})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := newHistory()
	rv, err := listInto(ctx, wc, ns, h)
	if err != nil {
		t.Fatal(err)
	}
	lw := &cache.ListWatch{WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
		return wc.Watch(ctx, &seccompprofilev1beta1.SeccompProfileList{}, &client.ListOptions{Namespace: ns, Raw: &o})
	}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			if err := follow(ctx, lw, rv, h); err != nil {
				h.fail(err)
				return
			}
			for rv = ""; rv == "" && ctx.Err() == nil; {
				if rv, err = listInto(ctx, wc, ns, h); err != nil {
					time.Sleep(100 * time.Millisecond)
				}
			}
			h.mu.Lock()
			h.relists++
			h.mu.Unlock()
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return h
}

// follow records the events of a watch from rv until it ends: nil when
// the server asks for a new list (or ctx ended), else why it failed.
func follow(ctx context.Context, lw *cache.ListWatch, rv string, h *history) error {
	rw, err := watchtools.NewRetryWatcherWithContext(ctx, rv, lw)
	if err != nil {
		return err
	}
	defer rw.Stop()
	for ev := range rw.ResultChan() {
		if ev.Type != watch.Error {
			h.record(ev)
			continue
		}
		if apierrors.IsResourceExpired(apierrors.FromObject(ev.Object)) || apierrors.IsGone(apierrors.FromObject(ev.Object)) {
			return nil
		}
		return fmt.Errorf("watch failed: %v", ev.Object)
	}
	return nil
}

// listInto records the current state of every profile of ns and returns
// the list's resourceVersion.
func listInto(ctx context.Context, c client.Reader, ns string, h *history) (string, error) {
	list := &seccompprofilev1beta1.SeccompProfileList{}
	if err := c.List(ctx, list, client.InNamespace(ns)); err != nil {
		return "", err
	}
	for i := range list.Items {
		h.record(watch.Event{Type: watch.Modified, Object: &list.Items[i]})
	}
	return list.ResourceVersion, nil
}
