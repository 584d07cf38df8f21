// Package throttle spaces out the status writes of each object: at most
// one per interval, the rest deferred.
package throttle

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// Throttle spaces out the status writes of each object: a status that
// would otherwise be rewritten at every small change (a busy Deployment's
// pods, nodes reporting one after another) lags by at most the interval,
// and the API server sees at most one such write per object per interval.
type Throttle struct {
	// Interval is the least time between two writes of one object.
	Interval time.Duration

	mu   sync.Mutex
	last map[types.NamespacedName]time.Time
}

// Delay is how long to wait before writing key's status again; zero means
// write now.
func (t *Throttle) Delay(key types.NamespacedName) time.Duration {
	return t.DelayOf(key, t.Interval)
}

// DelayOf is Delay with an interval of its own for this write.
func (t *Throttle) DelayOf(key types.NamespacedName, interval time.Duration) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	if last, ok := t.last[key]; ok {
		if d := interval - time.Since(last); d > 0 {
			return d
		}
	}
	return 0
}

// Wrote records that key's status was just written.
func (t *Throttle) Wrote(key types.NamespacedName) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.last == nil {
		t.last = map[types.NamespacedName]time.Time{}
	}
	t.last[key] = time.Now()
}

// Forget drops a deleted object.
func (t *Throttle) Forget(key types.NamespacedName) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.last, key)
}
