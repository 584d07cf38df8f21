package metricsserving

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestDecisionsExpire(t *testing.T) {
	d := decisions{entries: map[decisionKey]decision{}}
	t0 := time.Unix(1000, 0)
	allowed := decisionKey{token: [32]byte{1}, verb: "get", path: "/metrics"}
	refused := decisionKey{token: [32]byte{2}, verb: "get", path: "/metrics"}
	d.put(allowed, 200, t0)
	d.put(refused, 403, t0)
	for _, c := range []struct {
		key   decisionKey
		after time.Duration
		code  int
		held  bool
	}{
		{allowed, 0, 200, true},
		{allowed, allowFor - time.Second, 200, true},
		{allowed, allowFor, 0, false},
		{refused, refuseFor - time.Second, 403, true},
		{refused, refuseFor, 0, false},
		{decisionKey{token: [32]byte{1}, verb: "post", path: "/metrics"}, 0, 0, false},
		{decisionKey{token: [32]byte{1}, verb: "get", path: "/metrics-spod"}, 0, 0, false},
	} {
		code, held := d.get(c.key, t0.Add(c.after))
		if code != c.code || held != c.held {
			t.Errorf("%v after %v: got %d, %v, want %d, %v", c.key, c.after, code, held, c.code, c.held)
		}
	}
}

func TestDecisionsAreBounded(t *testing.T) {
	d := decisions{entries: map[decisionKey]decision{}}
	t0 := time.Unix(1000, 0)
	long := decisionKey{verb: "get", path: "/" + strings.Repeat("a", maxCachedPath)}
	d.put(long, 401, t0)
	if _, held := d.get(long, t0); held {
		t.Errorf("kept a decision for a %d-byte path", len(long.path))
	}
	key := func(i int) decisionKey { return decisionKey{verb: "get", path: fmt.Sprintf("/%d", i)} }
	for i := range maxDecisions + 10 {
		d.put(key(i), 401, t0)
	}
	if n := len(d.entries); n != maxDecisions {
		t.Errorf("%d decisions held, want at most %d", n, maxDecisions)
	}
	if _, held := d.get(key(maxDecisions), t0); held {
		t.Error("a full cache took one more decision")
	}
	// Once the others expire, a new decision evicts them.
	later := t0.Add(refuseFor)
	d.put(key(-1), 200, later)
	if code, held := d.get(key(-1), later); !held || code != 200 {
		t.Errorf("a new decision after the others expired: got %d, %v", code, held)
	}
	if n := len(d.entries); n != 1 {
		t.Errorf("%d decisions held after the expired ones went, want 1", n)
	}
}
