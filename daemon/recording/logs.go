package recording

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// maxLogContainers bounds how many containers the log backend holds
// records for at once. Each holds at most one entry per syscall name and
// maxLogDenials denials, so memory stays bounded however many records
// arrive.
const maxLogContainers = 4096

// maxLogDenials bounds the distinct denials kept per container. A
// recorded policy is far smaller: udica-made ones hold a few dozen rules,
// and a SelinuxProfile takes at most 128 types.
const maxLogDenials = 1024

// LogBackend collects, from the log enricher's audit records, the
// syscalls and the SELinux denials of each container. It keeps every
// container it hears of, because a container's first records arrive
// before the kubelet reports its ID; Sweep drops those no recording
// claims. It is the reconciler's Backend for the logs recorder. Safe for
// concurrent use.
type LogBackend struct {
	mu      sync.Mutex
	byID    map[string]*logEntry
	dropped map[string]bool
	now     func() time.Time
}

type logEntry struct {
	names   map[string]struct{}
	denials map[Denial]struct{}
	// overflow counts denials dropped at maxLogDenials; invalid counts
	// denied permissions whose names the SelinuxProfile API refuses.
	overflow, invalid int
	since             time.Time
}

// Syscall notes that a container made a syscall.
func (b *LogBackend) Syscall(containerID, name string) {
	if containerID == "" || name == "" {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if e := b.entry(containerID); e != nil {
		e.names[name] = struct{}{}
	}
}

// Denied notes the denials of one AVC record of a container, and how many
// of the record's permissions were dropped as invalid.
func (b *LogBackend) Denied(containerID string, ds []Denial, invalid int) {
	if containerID == "" || (len(ds) == 0 && invalid == 0) {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.entry(containerID)
	if e == nil {
		return
	}
	e.invalid += invalid
	if e.denials == nil {
		e.denials = map[Denial]struct{}{}
	}
	for _, d := range ds {
		if _, ok := e.denials[d]; ok {
			continue
		}
		if len(e.denials) >= maxLogDenials {
			e.overflow++
			continue
		}
		e.denials[d] = struct{}{}
	}
}

// entry returns the container's entry, made on first use, or nil when
// the backend holds the maximum number of containers (the container is
// then marked as having lost records). b.mu must be held.
func (b *LogBackend) entry(containerID string) *logEntry {
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
			return nil
		}
		e = &logEntry{names: map[string]struct{}{}, since: b.clock()}
		b.byID[containerID] = e
	}
	return e
}

func (b *LogBackend) clock() time.Time {
	if b.now != nil {
		return b.now()
	}
	return time.Now()
}

// Collect returns and forgets the syscalls and denials seen for a
// container.
func (b *LogBackend) Collect(containerID string) (Collected, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.byID[containerID]
	out := Collected{Found: ok}
	var incomplete []string
	if b.dropped[containerID] {
		incomplete = append(incomplete, "the log backend was holding the maximum number of containers and dropped records of this one")
		delete(b.dropped, containerID)
	}
	if ok {
		for name := range e.names {
			out.Names = append(out.Names, name)
		}
		for d := range e.denials {
			out.Denials = append(out.Denials, d)
		}
		if e.overflow > 0 {
			incomplete = append(incomplete, fmt.Sprintf("%d denials beyond the first %d distinct ones were dropped", e.overflow, maxLogDenials))
		}
		if e.invalid > 0 {
			incomplete = append(incomplete, fmt.Sprintf(
				"%d denied permissions named a type, class or permission the SelinuxProfile API does not accept and were dropped", e.invalid))
		}
	}
	slices.Sort(out.Names)
	sortDenials(out.Denials)
	out.Incomplete = strings.Join(incomplete, "; ")
	delete(b.byID, containerID)
	return out, nil
}

// sortDenials sorts by type, class and permission.
func sortDenials(ds []Denial) {
	slices.SortFunc(ds, func(a, b Denial) int {
		return cmp.Or(strings.Compare(a.Type, b.Type), strings.Compare(a.Class, b.Class), strings.Compare(a.Perm, b.Perm))
	})
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
