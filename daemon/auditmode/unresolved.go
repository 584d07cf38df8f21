package auditmode

import "time"

// A container's first calls come before the kubelet reports its runtime
// ID, so the log enricher cannot yet tell whether it runs an audit copy.
// Those calls wait here, summed per container and syscall, until the
// container is known (then they count like any other) or unresolvedTTL
// passed (then it was no container of a pod this node knows, or not one
// in audit mode). Startup is when a recorded profile most often misses a
// path, so these calls matter.
const (
	unresolvedTTL = 30 * time.Second
	// maxUnresolved bounds the waiting (container, syscall) pairs.
	maxUnresolved = 4096
)

// Resolve finds what Add needs of a container by runtime ID: ok is false
// while the container is unknown; a known container not in audit mode
// has an empty Call.Profile.Name.
type Resolve func(containerID string) (call Call, ok bool)

type unresolvedKey struct{ containerID, syscall string }

type unresolvedCalls struct {
	count       int64
	first, last time.Time
}

// AddUnresolved records a logged call of a container whose pod is not
// known yet. Without a Resolve it is dropped.
func (c *Collector) AddUnresolved(containerID, syscall string, at time.Time) {
	if c.Resolve == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.unresolved == nil {
		c.unresolved = map[unresolvedKey]*unresolvedCalls{}
	}
	k := unresolvedKey{containerID, syscall}
	u := c.unresolved[k]
	if u == nil {
		if len(c.unresolved) >= maxUnresolved {
			return
		}
		u = &unresolvedCalls{first: at}
		c.unresolved[k] = u
	}
	u.count++
	u.last = at
}

// resolveWaiting moves the waiting calls of containers now known into
// the pending calls, and forgets those waiting too long. Called with
// c.mu held.
func (c *Collector) resolveWaiting(now time.Time) {
	for k, u := range c.unresolved {
		call, ok := c.Resolve(k.containerID)
		switch {
		case ok && call.Profile.Name != "":
			call.Syscall = k.syscall
			auditModeCalls.WithLabelValues(c.NodeName, call.Profile.Namespace, call.Profile.Name, call.Syscall).Add(float64(u.count))
			c.addLocked(call, u.count, u.first, u.last)
			delete(c.unresolved, k)
		case ok, now.Sub(u.last) > unresolvedTTL:
			delete(c.unresolved, k)
		}
	}
}
