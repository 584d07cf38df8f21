package profilestate

import (
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"

	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	"github.com/securityprofiles/operator/internal/throttle"
)

// SummaryInterval is the least time between two status writes of a profile
// that change nothing but its node counts. While 200 nodes report one
// after another, the profile's status is written a few times, not 200.
// Changes of the state, the conditions or anything else are written at
// once.
const SummaryInterval = time.Second

// Pacer spaces out a profile's status writes that change only its node
// counts (a throttle.Throttle of SummaryInterval).
type Pacer struct{ throttle.Throttle }

// NewPacer returns a pacer of SummaryInterval.
func NewPacer() *Pacer { return &Pacer{throttle.Throttle{Interval: SummaryInterval}} }

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
		if wait := p.Delay(key); wait > 0 {
			return false, wait
		}
	}
	st.Nodes = summary
	return true, 0
}
