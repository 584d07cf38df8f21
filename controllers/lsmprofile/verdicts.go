package lsmprofile

import (
	"context"
	"sync"

	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// checker validates one kind's objects. check returns an error only when
// it could not gather what validation needs (API reads); the user's
// mistakes are verdicts.
type checker interface {
	check(ctx context.Context, obj client.Object) (verdict, error)
	// forget drops what is remembered about a profile that is gone.
	forget(key types.NamespacedName)
}

// verdictCache remembers the verdict on each profile's latest generation,
// so a profile is validated once per generation and not on every pod,
// node or node-status event (apparmor_parser takes ~85 ms a run).
type verdictCache struct {
	mu      sync.Mutex
	entries map[types.NamespacedName]cachedVerdict
}

type cachedVerdict struct {
	uid        types.UID
	generation int64
	// inputs is everything besides the object the verdict depended on,
	// e.g. spod's allowed system profiles.
	inputs  string
	verdict verdict
}

// remember returns the verdict remembered for obj's UID, generation and
// inputs, or runs validate and remembers what it said. Unchecked verdicts
// and errors are not remembered: the next pass tries again.
func (c *verdictCache) remember(obj client.Object, inputs string, validate func() (verdict, error)) (verdict, error) {
	key := client.ObjectKeyFromObject(obj)
	want := cachedVerdict{uid: obj.GetUID(), generation: obj.GetGeneration(), inputs: inputs}
	c.mu.Lock()
	got, ok := c.entries[key]
	c.mu.Unlock()
	if ok && got.uid == want.uid && got.generation == want.generation && got.inputs == want.inputs {
		return got.verdict, nil
	}
	v, err := validate()
	if err != nil || v.unchecked != nil {
		return v, err
	}
	want.verdict = v
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[types.NamespacedName]cachedVerdict{}
	}
	c.entries[key] = want
	return v, nil
}

func (c *verdictCache) forget(key types.NamespacedName) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, key)
}
