package nodestatus

import "context"

// Resync runs the writer's periodic comparison now.
func (w *Writer) Resync(ctx context.Context) error { return w.resync(ctx) }
