package metricsserving

import (
	"sync"
	"time"
)

// How long Authorize keeps a decision. A scraper's token is reviewed once
// a minute rather than at every scrape; a refusal is asked again sooner,
// so that a grant added after it takes effect quickly. A revoked grant
// still works for up to allowFor.
const (
	allowFor  = time.Minute
	refuseFor = 10 * time.Second
	// Anyone who can reach the port chooses tokens and paths: the cache
	// holds at most maxDecisions entries with paths of at most
	// maxCachedPath bytes (~200 KiB), and past that every request is
	// reviewed.
	maxDecisions  = 1024
	maxCachedPath = 128
)

// decisionKey is what a decision depends on; the token as a hash, so
// that the cache holds no credential.
type decisionKey struct {
	token      [32]byte
	verb, path string
}

type decision struct {
	code  int
	until time.Time
}

// decisions are the recent answers, by request.
type decisions struct {
	mu      sync.Mutex
	entries map[decisionKey]decision
}

func (d *decisions) get(key decisionKey, now time.Time) (int, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	e, ok := d.entries[key]
	if !ok || !now.Before(e.until) {
		return 0, false
	}
	return e.code, true
}

func (d *decisions) put(key decisionKey, code int, now time.Time) {
	if len(key.path) > maxCachedPath {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.entries) >= maxDecisions {
		for k, e := range d.entries {
			if !now.Before(e.until) {
				delete(d.entries, k)
			}
		}
		if len(d.entries) >= maxDecisions {
			return
		}
	}
	ttl := refuseFor
	if code == 200 {
		ttl = allowFor
	}
	d.entries[key] = decision{code: code, until: now.Add(ttl)}
}
