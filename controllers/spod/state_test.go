package spod

import (
	"errors"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
)

func daemonSet(generation, observed int64, desired, updated, available int32) *appsv1.DaemonSet {
	ds := &appsv1.DaemonSet{}
	ds.Generation = generation
	ds.Status = appsv1.DaemonSetStatus{
		ObservedGeneration: observed, DesiredNumberScheduled: desired,
		UpdatedNumberScheduled: updated, NumberAvailable: available, NumberUnavailable: desired - available,
	}
	return ds
}

func TestDecide(t *testing.T) {
	for _, tc := range []struct {
		name         string
		previous     spodv1alpha1.SPODState
		ds, selinuxd *appsv1.DaemonSet
		err          error
		want         spodv1alpha1.SPODState
	}{
		{"nothing deployed yet", "", nil, nil, nil, spodv1alpha1.StatePending},
		{"write failed", spodv1alpha1.StateRunning, nil, nil, errors.New("boom"), spodv1alpha1.StateError},
		{"first rollout", spodv1alpha1.StatePending, daemonSet(1, 0, 0, 0, 0), nil, nil, spodv1alpha1.StateCreating},
		{"fully ready", spodv1alpha1.StateCreating, daemonSet(1, 1, 3, 3, 3), nil, nil, spodv1alpha1.StateRunning},
		{"change not yet observed", spodv1alpha1.StateRunning, daemonSet(2, 1, 3, 3, 3), nil, nil, spodv1alpha1.StateUpdating},
		{"rolling", spodv1alpha1.StateUpdating, daemonSet(2, 2, 3, 1, 2), nil, nil, spodv1alpha1.StateUpdating},
		{"scheduled nowhere", spodv1alpha1.StateCreating, daemonSet(1, 1, 0, 0, 0), nil, nil, spodv1alpha1.StateCreating},
		{"recovering from an error", spodv1alpha1.StateError, daemonSet(1, 1, 3, 1, 1), nil, nil, spodv1alpha1.StateCreating},
		{"selinuxd on no node: no node runs SELinux", spodv1alpha1.StateCreating, daemonSet(1, 1, 3, 3, 3), daemonSet(1, 1, 0, 0, 0), nil, spodv1alpha1.StateRunning},
		{"selinuxd ready where scheduled", spodv1alpha1.StateCreating, daemonSet(1, 1, 3, 3, 3), daemonSet(1, 1, 2, 2, 2), nil, spodv1alpha1.StateRunning},
		{"selinuxd still starting", spodv1alpha1.StateCreating, daemonSet(1, 1, 3, 3, 3), daemonSet(1, 1, 2, 2, 1), nil, spodv1alpha1.StateCreating},
		{"selinuxd change not yet observed", spodv1alpha1.StateRunning, daemonSet(1, 1, 3, 3, 3), daemonSet(2, 1, 0, 0, 0), nil, spodv1alpha1.StateUpdating},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var daemons []*appsv1.DaemonSet
			if tc.ds != nil {
				daemons = append(daemons, tc.ds)
			}
			if got := Decide(tc.previous, daemons, tc.selinuxd, tc.err); got.State != tc.want {
				t.Errorf("got %s (%s), want %s", got.State, got.Message, tc.want)
			}
		})
	}
}

func TestApplyDecision(t *testing.T) {
	var status spodv1alpha1.SPODStatus
	running := Decide(spodv1alpha1.StateCreating, []*appsv1.DaemonSet{daemonSet(1, 1, 1, 1, 1)}, nil, nil)
	if !ApplyDecision(&status, 4, running) {
		t.Fatalf("first decision reported no change")
	}
	c := meta.FindStatusCondition(status.Conditions, "Ready")
	if status.State != spodv1alpha1.StateRunning || c == nil || c.Status != metav1.ConditionTrue || c.ObservedGeneration != 4 {
		t.Errorf("status %+v", status)
	}
	if ApplyDecision(&status, 4, running) {
		t.Errorf("the same decision reported a change")
	}
	if !ApplyDecision(&status, 5, Decide(spodv1alpha1.StateRunning, nil, nil, errors.New("boom"))) ||
		meta.IsStatusConditionTrue(status.Conditions, "Ready") || status.Message != "boom" {
		t.Errorf("error not reflected: %+v", status)
	}
}

// With labelled kubelet roots the daemon has several DaemonSets: one may
// schedule nothing, but all must be rolled out and one must run.
func TestDecideDaemonSetsPerKubeletRoot(t *testing.T) {
	for _, tc := range []struct {
		name    string
		daemons []*appsv1.DaemonSet
		want    spodv1alpha1.SPODState
	}{
		{"every node labelled: spod schedules nothing", []*appsv1.DaemonSet{daemonSet(2, 2, 0, 0, 0), daemonSet(1, 1, 3, 3, 3)}, spodv1alpha1.StateRunning},
		{"both run", []*appsv1.DaemonSet{daemonSet(1, 1, 2, 2, 2), daemonSet(1, 1, 1, 1, 1)}, spodv1alpha1.StateRunning},
		{"a root's daemon still starting", []*appsv1.DaemonSet{daemonSet(1, 1, 2, 2, 2), daemonSet(1, 1, 1, 1, 0)}, spodv1alpha1.StateCreating},
		{"a root's DaemonSet not yet observed", []*appsv1.DaemonSet{daemonSet(1, 1, 2, 2, 2), daemonSet(1, 0, 0, 0, 0)}, spodv1alpha1.StateCreating},
		{"scheduled nowhere at all", []*appsv1.DaemonSet{daemonSet(1, 1, 0, 0, 0), daemonSet(1, 1, 0, 0, 0)}, spodv1alpha1.StateCreating},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Decide(spodv1alpha1.StateCreating, tc.daemons, nil, nil); got.State != tc.want {
				t.Errorf("got %s (%s), want %s", got.State, got.Message, tc.want)
			}
		})
	}
}
