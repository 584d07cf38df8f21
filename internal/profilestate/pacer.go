package profilestate

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"

	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	"github.com/securityprofiles/operator/internal/throttle"
)

// SummaryInterval is the least time between two status writes of a profile
// that change nothing but its node counts, on clusters of up to
// NodesPerInterval nodes; larger ones wait that long for every
// NodesPerInterval nodes (200 nodes: 5 s). Each further write of the
// counts alone waits twice as long as the one before, up to
// MaxSummaryInterval; a write of anything else (the state, a condition)
// starts over. Every status write is sent to every node's daemon, which
// watches the profiles: with a write of the counts each second, a burst
// of 500 profiles converging on 200 nodes cost 23 writes per profile and
// 2.3 million decodes on the nodes. Changes of anything but the counts
// are written at once.
const (
	SummaryInterval    = time.Second
	NodesPerInterval   = 40
	MaxSummaryInterval = time.Minute
)

// Pacer spaces out a profile's status writes that change only its node
// counts (see SummaryInterval).
type Pacer struct {
	throttle.Throttle

	mu sync.Mutex
	// streak counts each profile's writes of the counts alone since its
	// last write of anything else.
	streak map[types.NamespacedName]int
	// pending holds, from Apply to Wrote, whether the write Apply asked for
	// changes the counts alone: only a write that happened counts.
	pending map[types.NamespacedName]bool
}

// NewPacer returns a pacer of SummaryInterval.
func NewPacer() *Pacer { return &Pacer{Throttle: throttle.Throttle{Interval: SummaryInterval}} }

// Apply puts the node summary into st, a profile's status, unless the
// summary alone changed too recently; other reports whether anything else
// in the status changed. It returns whether the status must be written
// now, and otherwise how long until the summary is due (0: never, it is
// current). The caller calls Wrote once the write succeeded.
func (p *Pacer) Apply(key types.NamespacedName, st *profilebasev1alpha1.StatusBase, summary *profilebasev1alpha1.NodeSummary, other bool) (bool, time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pending == nil {
		p.streak, p.pending = map[types.NamespacedName]int{}, map[types.NamespacedName]bool{}
	}
	if equality.Semantic.DeepEqual(st.Nodes, summary) {
		if other {
			p.pending[key] = false
		}
		return other, 0
	}
	if !other {
		if wait := p.DelayOf(key, p.interval(key, summary)); wait > 0 {
			return false, wait
		}
	}
	p.pending[key] = !other
	st.Nodes = summary
	return true, 0
}

// Wrote notes that the status write Apply asked for succeeded: a write of
// the counts alone doubles the next wait, any other starts over.
func (p *Pacer) Wrote(key types.NamespacedName) {
	p.Throttle.Wrote(key)
	p.mu.Lock()
	defer p.mu.Unlock()
	countsOnly, ok := p.pending[key]
	if !ok {
		return
	}
	delete(p.pending, key)
	if countsOnly {
		p.streak[key]++
	} else {
		delete(p.streak, key)
	}
}

// interval is how long the counts of key wait after its last write.
func (p *Pacer) interval(key types.NamespacedName, summary *profilebasev1alpha1.NodeSummary) time.Duration {
	d := p.Interval
	if summary != nil && summary.Total > NodesPerInterval {
		d = d * time.Duration(summary.Total) / NodesPerInterval
	}
	for i := 0; i < p.streak[key] && d < MaxSummaryInterval; i++ {
		d *= 2
	}
	return min(d, MaxSummaryInterval)
}

// Forget drops a deleted profile.
func (p *Pacer) Forget(key types.NamespacedName) {
	p.Throttle.Forget(key)
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.streak, key)
	delete(p.pending, key)
}
