package profilestate

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"

	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	"github.com/securityprofiles/operator/internal/throttle"
)

func TestPacerApply(t *testing.T) {
	key := types.NamespacedName{Namespace: "ns", Name: "p"}
	old := &profilebasev1alpha1.NodeSummary{Total: 3, Installed: 1}
	summary := func() *profilebasev1alpha1.NodeSummary {
		return &profilebasev1alpha1.NodeSummary{Total: 3, Installed: 2}
	}

	t.Run("first write is not held back", func(t *testing.T) {
		p := NewPacer()
		st := &profilebasev1alpha1.StatusBase{Nodes: old}
		if write, wait := p.Apply(key, st, summary(), false); !write || wait != 0 || st.Nodes.Installed != 2 {
			t.Errorf("got write=%v wait=%v nodes=%+v, want a write now of the new summary", write, wait, st.Nodes)
		}
	})
	t.Run("summary alone within the interval waits", func(t *testing.T) {
		p := NewPacer()
		p.Wrote(key)
		st := &profilebasev1alpha1.StatusBase{Nodes: old}
		write, wait := p.Apply(key, st, summary(), false)
		if write || wait <= 0 || wait > SummaryInterval {
			t.Errorf("got write=%v wait=%v, want no write and a wait in (0, %v]", write, wait, SummaryInterval)
		}
		if st.Nodes != old {
			t.Errorf("summary put in while deferred: %+v", st.Nodes)
		}
		// Another profile is not held back by this one's write.
		if write, _ := p.Apply(types.NamespacedName{Namespace: "ns", Name: "q"}, &profilebasev1alpha1.StatusBase{}, summary(), false); !write {
			t.Error("another profile's summary deferred")
		}
	})
	t.Run("summary alone after the interval is written", func(t *testing.T) {
		p := &Pacer{throttle.Throttle{Interval: time.Millisecond}}
		p.Wrote(key)
		time.Sleep(2 * time.Millisecond)
		st := &profilebasev1alpha1.StatusBase{Nodes: old}
		if write, wait := p.Apply(key, st, summary(), false); !write || wait != 0 || st.Nodes.Installed != 2 {
			t.Errorf("got write=%v wait=%v nodes=%+v, want a write now", write, wait, st.Nodes)
		}
	})
	t.Run("with other changes it is written at once", func(t *testing.T) {
		p := NewPacer()
		p.Wrote(key)
		st := &profilebasev1alpha1.StatusBase{Nodes: old}
		if write, wait := p.Apply(key, st, summary(), true); !write || wait != 0 || st.Nodes.Installed != 2 {
			t.Errorf("got write=%v wait=%v nodes=%+v, want a write now of the new summary", write, wait, st.Nodes)
		}
	})
	t.Run("an equal summary writes nothing", func(t *testing.T) {
		p := NewPacer()
		st := &profilebasev1alpha1.StatusBase{Nodes: summary()}
		if write, wait := p.Apply(key, st, summary(), false); write || wait != 0 {
			t.Errorf("got write=%v wait=%v, want nothing to do", write, wait)
		}
		// Other changes are written all the same.
		if write, _ := p.Apply(key, st, summary(), true); !write {
			t.Error("other changes not written with an equal summary")
		}
	})
}
