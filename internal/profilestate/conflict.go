package profilestate

import (
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
)

// RetryOnConflict turns the result of a status write into the pass's
// result. A conflict only means the pass read a profile older than the
// API server's (status writes carry the version read): the pass is
// repeated, with the usual backoff, but not reported as a failure, which
// would log a "Reconciler error" for every profile a busy cache lags on.
func RetryOnConflict(err error) (ctrl.Result, error) {
	if apierrors.IsConflict(err) {
		return ctrl.Result{Requeue: true}, nil
	}
	return ctrl.Result{}, err
}
