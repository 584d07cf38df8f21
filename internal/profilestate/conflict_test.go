package profilestate

import (
	"errors"
	"fmt"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestSuperseded(t *testing.T) {
	gr := schema.GroupResource{Resource: "seccompprofiles"}
	for _, c := range []struct {
		err  error
		want bool
	}{
		{apierrors.NewConflict(gr, "p", errors.New("modified")), true},
		{fmt.Errorf("write status: %w", apierrors.NewConflict(gr, "p", errors.New("modified"))), true},
		{apierrors.NewNotFound(gr, "p"), true},
		{errors.New("connection refused"), false},
		{apierrors.NewForbidden(gr, "p", errors.New("no")), false},
	} {
		if got := Superseded(c.err); got != c.want {
			t.Errorf("Superseded(%v) = %t, want %t", c.err, got, c.want)
		}
	}
}
