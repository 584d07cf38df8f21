package nodestatus

import (
	"context"
	"time"
)

// Resync runs the writer's periodic comparison now.
func (w *Writer) Resync(ctx context.Context) error { return w.resync(ctx) }

// DirtyDueAt marks namespace's object (which must have been loaded) as
// changed, writable from t.
func (w *Writer) DirtyDueAt(namespace string, t time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	sp := w.spaces[namespace]
	sp.changes, sp.notBefore = max(sp.changes, 1), t
}

// NextRetry is how long Start waits before it looks again.
func (w *Writer) NextRetry() time.Duration { return w.nextRetry() }
