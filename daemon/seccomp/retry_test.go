package seccomp

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// A profile that kept failing (a full disk for an hour) is retried within
// maxRetryDelay once the cause is gone, not after controller-runtime's
// default 1000 s.
func TestFailingProfilesAreRetriedAtLeastEveryMinute(t *testing.T) {
	l := retryLimiter()
	req := reconcile.Request{NamespacedName: types.NamespacedName{Namespace: "ns", Name: "p"}}
	var last time.Duration
	for range 40 {
		last = l.When(req)
	}
	if last != maxRetryDelay || maxRetryDelay > time.Minute {
		t.Errorf("after 40 failures the next retry waits %v, want %v (at most a minute)", last, maxRetryDelay)
	}
	if first := l.When(reconcile.Request{NamespacedName: types.NamespacedName{Name: "other"}}); first > 10*time.Millisecond {
		t.Errorf("a first failure waits %v", first)
	}
}
