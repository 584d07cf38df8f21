package profilestate

import (
	"errors"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
)

func TestRetryOnConflict(t *testing.T) {
	conflict := apierrors.NewConflict(schema.GroupResource{Resource: "seccompprofiles"}, "p", errors.New("modified"))
	if res, err := RetryOnConflict(conflict); err != nil || res != (ctrl.Result{Requeue: true}) {
		t.Errorf("conflict: got %+v, %v; want a quiet requeue", res, err)
	}
	other := errors.New("connection refused")
	if res, err := RetryOnConflict(other); !errors.Is(err, other) || res != (ctrl.Result{}) {
		t.Errorf("other error: got %+v, %v; want it returned", res, err)
	}
	if res, err := RetryOnConflict(nil); err != nil || res != (ctrl.Result{}) {
		t.Errorf("success: got %+v, %v", res, err)
	}
}
