package profilestate

import (
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Superseded reports whether a failed status write (one that carries the
// version read) needs no retry of its own: the profile is gone, or the
// pass read a version older than the API server's. The newer version is
// on its way to the cache, and its arrival queues the profile again, so
// the pass just ends, without reporting a failure (a "Reconciler error"
// for every profile a busy cache lags on). A retry would go through the
// controller's rate limiter: a wait that doubles with each conflict in a
// row, in a bucket of 10 per second shared with every other retry.
func Superseded(err error) bool {
	return apierrors.IsConflict(err) || apierrors.IsNotFound(err)
}
