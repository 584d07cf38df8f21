package throttle

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

func TestThrottle(t *testing.T) {
	th := Throttle{Interval: time.Hour}
	a, b := types.NamespacedName{Namespace: "ns", Name: "a"}, types.NamespacedName{Namespace: "ns", Name: "b"}
	if d := th.Delay(a); d != 0 {
		t.Fatalf("first write delayed by %s", d)
	}
	th.Wrote(a)
	if d := th.Delay(a); d <= 0 || d > time.Hour {
		t.Errorf("second write delayed by %s, want up to an hour", d)
	}
	if d := th.Delay(b); d != 0 {
		t.Errorf("another object delayed by %s", d)
	}
	th.Forget(a)
	if d := th.Delay(a); d != 0 {
		t.Errorf("forgotten object delayed by %s", d)
	}
}
