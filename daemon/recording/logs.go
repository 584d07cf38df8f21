package recording

import (
	"context"
	"slices"
	"sync"
	"time"
)

// maxLogContainers bounds how many containers the log backend holds
// syscalls for at once. Each holds at most one entry per syscall name, so
// memory stays bounded however many records arrive.
const maxLogContainers = 4096

// LogBackend collects, from the log enricher's audit records, the
// syscalls of each container. It keeps every container it hears of,
// because a container's first records arrive before the kubelet reports
// its ID; Sweep drops those no recording claims. It is the reconciler's
// Backend for the logs recorder. Safe for concurrent use.
type LogBackend struct {
	mu      sync.Mutex
	byID    map[string]*logEntry
	dropped map[string]bool
	now     func() time.Time
}

type logEntry struct {
	names map[string]struct{}
	since time.Time
}

// Syscall notes that a container made a syscall.
func (b *LogBackend) Syscall(containerID, name string) {
	if containerID == "" || name == "" {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.byID == nil {
		b.byID = map[string]*logEntry{}
		b.dropped = map[string]bool{}
	}
	e := b.byID[containerID]
	if e == nil {
		if len(b.byID) >= maxLogContainers {
			if len(b.dropped) < maxLogContainers {
				b.dropped[containerID] = true
			}
			return
		}
		e = &logEntry{names: map[string]struct{}{}, since: b.clock()}
		b.byID[containerID] = e
	}
	e.names[name] = struct{}{}
}

func (b *LogBackend) clock() time.Time {
	if b.now != nil {
		return b.now()
	}
	return time.Now()
}

// Collect returns and forgets the syscalls seen for a container.
func (b *LogBackend) Collect(containerID string) (Collected, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.byID[containerID]
	out := Collected{Found: ok}
	if b.dropped[containerID] {
		out.Incomplete = "the log backend was holding the maximum number of containers and dropped records of this one"
		delete(b.dropped, containerID)
	}
	if ok {
		for name := range e.names {
			out.Names = append(out.Names, name)
		}
	}
	slices.Sort(out.Names)
	delete(b.byID, containerID)
	return out, nil
}

// Sweep drops containers that wanted does not claim once they are older
// than grace, and returns how many it dropped.
func (b *LogBackend) Sweep(wanted func(string) bool, grace time.Duration) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clock()
	n := 0
	for id, e := range b.byID {
		if now.Sub(e.since) >= grace && !wanted(id) {
			delete(b.byID, id)
			n++
		}
	}
	for id := range b.dropped {
		if !wanted(id) {
			delete(b.dropped, id)
		}
	}
	return n
}

// SweepEvery runs Sweep periodically until ctx is done.
func (b *LogBackend) SweepEvery(ctx context.Context, wanted func(string) bool, every, grace time.Duration) {
	periodically(ctx, every, func() { b.Sweep(wanted, grace) })
}

// periodically calls fn every interval until ctx is done.
func periodically(ctx context.Context, every time.Duration, fn func()) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn()
		}
	}
}
