package server

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// StatusInterval is the least time between two status writes of one
// binding or recording.
const StatusInterval = time.Second

// Throttle spaces out the status writes of each object. Pods of a busy
// Deployment come and go many times a second, and every change would
// otherwise rewrite the whole activeWorkloads list; the list instead lags
// the pods by at most the interval, and the API server sees at most one
// write per object per interval.
type Throttle struct {
	// Interval is the least time between two writes of one object.
	Interval time.Duration

	mu   sync.Mutex
	last map[types.NamespacedName]time.Time
}

// Delay is how long to wait before writing key's status again; zero means
// write now.
func (t *Throttle) Delay(key types.NamespacedName) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	if last, ok := t.last[key]; ok {
		if d := t.Interval - time.Since(last); d > 0 {
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
