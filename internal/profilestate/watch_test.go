package profilestate

import (
	"context"
	"slices"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
)

const (
	seccomp  nodestatusv1alpha1.ProfileKind = "SeccompProfile"
	apparmor nodestatusv1alpha1.ProfileKind = "AppArmorProfile"
)

func entry(kind nodestatusv1alpha1.ProfileKind, name string, st profilebasev1alpha1.ProfileState) nodestatusv1alpha1.ProfileNodeState {
	return nodestatusv1alpha1.ProfileNodeState{Kind: kind, Name: name, UID: "uid-" + types.UID(name), Status: st}
}

// nodeStatus lists entries as a daemon writes them.
func nodeStatus(entries ...nodestatusv1alpha1.ProfileNodeState) *nodestatusv1alpha1.SecurityProfileNodeStatus {
	s := &nodestatusv1alpha1.SecurityProfileNodeStatus{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "node-a"}, NodeName: "node-a"}
	s.SetStates(entries)
	return s
}

func TestChangedEntries(t *testing.T) {
	installed, errored := profilebasev1alpha1.StateInstalled, profilebasev1alpha1.StateError
	base := []nodestatusv1alpha1.ProfileNodeState{
		entry(apparmor, "x", installed), entry(seccomp, "a", installed), entry(seccomp, "b", installed),
	}
	withReason := entry(seccomp, "b", errored)
	withReason.Reason = "Other"
	newUID := entry(seccomp, "b", installed)
	newUID.UID = "another"
	for _, tc := range []struct {
		name          string
		before, after []nodestatusv1alpha1.ProfileNodeState
		want          []string
	}{
		{name: "nothing changed", after: base},
		{name: "another kind changed", after: []nodestatusv1alpha1.ProfileNodeState{
			entry(apparmor, "x", errored), base[1], base[2]}},
		{name: "one state changed", after: []nodestatusv1alpha1.ProfileNodeState{
			base[0], base[1], entry(seccomp, "b", errored)}, want: []string{"b"}},
		{name: "reason changed", before: []nodestatusv1alpha1.ProfileNodeState{base[0], base[1], entry(seccomp, "b", errored)},
			after: []nodestatusv1alpha1.ProfileNodeState{base[0], base[1], withReason}, want: []string{"b"}},
		{name: "now Installed", before: []nodestatusv1alpha1.ProfileNodeState{base[0], base[1], entry(seccomp, "b", errored)},
			after: base, want: []string{"b"}},
		{name: "uid changed", after: []nodestatusv1alpha1.ProfileNodeState{base[0], base[1], newUID}, want: []string{"b"}},
		{name: "added", after: append(slices.Clone(base), entry(seccomp, "c", installed)), want: []string{"c"}},
		{name: "removed", after: []nodestatusv1alpha1.ProfileNodeState{base[0], base[2]}, want: []string{"a"}},
		{name: "all removed", want: []string{"a", "b"}},
	} {
		if tc.before == nil {
			tc.before = base
		}
		got := changedEntries(seccomp, nodeStatus(tc.before...), nodeStatus(tc.after...))
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

// drain returns the names queued, sorted.
func drain(q workqueue.TypedRateLimitingInterface[reconcile.Request]) []string {
	var out []string
	for q.Len() > 0 {
		r, _ := q.Get()
		if r.Namespace != "ns" {
			out = append(out, "wrong namespace "+r.Namespace)
		}
		out = append(out, r.Name)
		q.Done(r)
	}
	slices.Sort(out)
	return out
}

func TestNodeStatusChanges(t *testing.T) {
	ctx := context.Background()
	h := NodeStatusChanges(string(seccomp))
	q := workqueue.NewTypedRateLimitingQueue(workqueue.DefaultTypedControllerRateLimiter[reconcile.Request]())
	defer q.ShutDown()
	before := nodeStatus(entry(apparmor, "x", profilebasev1alpha1.StateInstalled),
		entry(seccomp, "a", profilebasev1alpha1.StatePending), entry(seccomp, "b", profilebasev1alpha1.StateInstalled))
	after := nodeStatus(entry(apparmor, "x", profilebasev1alpha1.StateError),
		entry(seccomp, "a", profilebasev1alpha1.StateInstalled), entry(seccomp, "b", profilebasev1alpha1.StateInstalled))

	h.Create(ctx, event.CreateEvent{Object: before}, q)
	if got := drain(q); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("create queued %v, want [a b]", got)
	}
	h.Update(ctx, event.UpdateEvent{ObjectOld: before, ObjectNew: after}, q)
	if got := drain(q); !slices.Equal(got, []string{"a"}) {
		t.Errorf("update queued %v, want [a]", got)
	}
	h.Delete(ctx, event.DeleteEvent{Object: after}, q)
	if got := drain(q); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("delete queued %v, want [a b]", got)
	}
}
