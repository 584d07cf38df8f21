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
		p := &Pacer{Throttle: throttle.Throttle{Interval: time.Millisecond}}
		p.Wrote(key)
		time.Sleep(2 * time.Millisecond)
		st := &profilebasev1alpha1.StatusBase{Nodes: old}
		if write, wait := p.Apply(key, st, summary(), false); !write || wait != 0 || st.Nodes.Installed != 2 {
			t.Errorf("got write=%v wait=%v nodes=%+v, want a write now", write, wait, st.Nodes)
		}
	})
	t.Run("on a large cluster the counts wait longer", func(t *testing.T) {
		p := NewPacer()
		p.Wrote(key)
		st := &profilebasev1alpha1.StatusBase{Nodes: &profilebasev1alpha1.NodeSummary{Total: 200, Installed: 1}}
		write, wait := p.Apply(key, st, &profilebasev1alpha1.NodeSummary{Total: 200, Installed: 2}, false)
		if write || wait <= 4*time.Second || wait > 5*time.Second {
			t.Errorf("got write=%v wait=%v, want no write and a wait near 5 s", write, wait)
		}
	})
	t.Run("each write of the counts alone doubles the next wait, until something else is written", func(t *testing.T) {
		p := NewPacer()
		counts := func(installed int32) (bool, time.Duration) { return countsOnly(p, key, installed) }
		for i, want := range []time.Duration{2 * SummaryInterval, 4 * SummaryInterval, 8 * SummaryInterval} {
			if write, _ := counts(1); !write {
				t.Fatalf("write %d of the counts held back on a fresh interval", i)
			}
			p.Wrote(key)
			// Due again after want: check just before and at it.
			if write, wait := counts(2); write || wait <= want-100*time.Millisecond || wait > want {
				t.Fatalf("after write %d: got write=%v wait=%v, want a wait of %v", i, write, wait, want)
			}
			p.Throttle.Forget(key) // as if that long has passed
		}
		// A change of the state is written at once and starts over.
		if write, _ := p.Apply(key, &profilebasev1alpha1.StatusBase{}, &profilebasev1alpha1.NodeSummary{Total: 3}, true); !write {
			t.Fatal("a change of the state held back")
		}
		p.Wrote(key)
		if write, wait := counts(2); write || wait > SummaryInterval {
			t.Errorf("after a state change: got write=%v wait=%v, want a wait of at most %v", write, wait, SummaryInterval)
		}
		p.Forget(key)
		if write, wait := counts(2); !write || wait != 0 {
			t.Errorf("forgotten profile: got write=%v wait=%v, want a write now", write, wait)
		}
	})
	t.Run("only a write that happened lengthens the next wait", func(t *testing.T) {
		p := NewPacer()
		counts := func(installed int32) (bool, time.Duration) { return countsOnly(p, key, installed) }
		// The first write conflicted: Wrote was not called, it is asked again.
		if write, _ := counts(1); !write {
			t.Fatal("first write of the counts held back")
		}
		if write, _ := counts(1); !write {
			t.Fatal("the retry of a failed write held back")
		}
		p.Wrote(key)
		if write, wait := counts(2); write || wait <= SummaryInterval || wait > 2*SummaryInterval {
			t.Errorf("after one write that happened: got write=%v wait=%v, want a wait of %v", write, wait, 2*SummaryInterval)
		}
		// A state change that failed does not start over either.
		p.Throttle.Forget(key)
		if write, _ := p.Apply(key, &profilebasev1alpha1.StatusBase{}, &profilebasev1alpha1.NodeSummary{Total: 3}, true); !write {
			t.Fatal("a change of the state held back")
		}
		if write, _ := counts(1); !write {
			t.Fatal("counts held back with no write since the last")
		}
		p.Wrote(key)
		if _, wait := counts(2); wait <= 2*SummaryInterval {
			t.Errorf("after a failed state change and two writes of the counts: wait %v, want %v", wait, 4*SummaryInterval)
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

// countsOnly asks p to write a status whose node counts alone changed,
// to installed of 3 nodes.
func countsOnly(p *Pacer, key types.NamespacedName, installed int32) (bool, time.Duration) {
	st := &profilebasev1alpha1.StatusBase{Nodes: &profilebasev1alpha1.NodeSummary{Total: 3}}
	return p.Apply(key, st, &profilebasev1alpha1.NodeSummary{Total: 3, Installed: installed}, false)
}
