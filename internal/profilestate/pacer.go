package profilestate

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"

	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
)

// SummaryInterval is the least time between two status writes of a profile
// that change nothing but its node counts. While 200 nodes report one
// after another, the profile's status is written a few times, not 200.
// Changes of the state, the conditions or anything else are written at
// once.
const SummaryInterval = time.Second

// Pacer remembers when each profile's status was last written.
type Pacer struct {
	mu   sync.Mutex
	last map[types.NamespacedName]time.Time
}

// Wait returns how long a write of the profile's node counts alone must
// wait; 0 means now.
func (p *Pacer) Wait(key types.NamespacedName) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	last, ok := p.last[key]
	if !ok {
		return 0
	}
	return max(0, SummaryInterval-time.Since(last))
}

// Wrote records a write of the profile's status.
func (p *Pacer) Wrote(key types.NamespacedName) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.last == nil {
		p.last = map[types.NamespacedName]time.Time{}
	}
	p.last[key] = time.Now()
}

// Forget drops a profile that is gone, so the memory does not grow with
// every profile ever written.
func (p *Pacer) Forget(key types.NamespacedName) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.last, key)
}

// Apply puts the node summary into st, a profile's status, unless the
// summary alone changed too recently; other reports whether anything else
// in the status changed. It returns whether the status must be written
// now, and otherwise how long until the summary is due (0: never, it is
// current).
func (p *Pacer) Apply(key types.NamespacedName, st *profilebasev1alpha1.StatusBase, summary *profilebasev1alpha1.NodeSummary, other bool) (bool, time.Duration) {
	if equality.Semantic.DeepEqual(st.Nodes, summary) {
		return other, 0
	}
	if !other {
		if wait := p.Wait(key); wait > 0 {
			return false, wait
		}
	}
	st.Nodes = summary
	return true, 0
}
