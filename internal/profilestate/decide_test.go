package profilestate

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/securityprofiles/operator/apis/keys"
	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
)

// states builds Decide's input from "node=state/reason" entries; the
// message repeats the reason so it can be told apart.
func states(entries ...string) map[string]nodestatusv1alpha1.ProfileNodeState {
	out := map[string]nodestatusv1alpha1.ProfileNodeState{}
	for _, e := range entries {
		node, rest, _ := strings.Cut(e, "=")
		st, reason, _ := strings.Cut(rest, "/")
		out[node] = nodestatusv1alpha1.ProfileNodeState{Kind: "SeccompProfile", Name: "p",
			Status: profilebasev1alpha1.ProfileState(st), Reason: reason, Message: reason}
	}
	return out
}

func TestDecide(t *testing.T) {
	installed, pending, errored := profilebasev1alpha1.StateInstalled, profilebasev1alpha1.StatePending, profilebasev1alpha1.StateError
	for _, tc := range []struct {
		name     string
		nodes    []string
		states   map[string]nodestatusv1alpha1.ProfileNodeState
		deleting bool
		want     profilebasev1alpha1.ProfileState
		reason   string
		message  string
	}{
		{name: "no nodes", want: pending, reason: "NoNodes", message: "no nodes in the cluster"},
		{name: "nobody reported", nodes: []string{"a", "b"}, want: pending, reason: "Pending",
			message: "not yet installed on every node; see status.nodes"},
		{name: "one missing", nodes: []string{"a", "b"}, states: states("a=Installed/ProfileInstalled"), want: pending, reason: "Pending"},
		{name: "all installed", nodes: []string{"a", "b"}, states: states("a=Installed/ProfileInstalled", "b=Installed/ProfileInstalled"),
			want: installed, reason: "Installed", message: "installed on all 2 node(s)"},
		{name: "error wins", nodes: []string{"a", "b"}, states: states("a=Installed", "b=Error/ProfileNotAllowed"),
			want: errored, reason: "ProfileNotAllowed", message: "Error on 1 of 2 node(s): b: ProfileNotAllowed"},
		{name: "error without reason", nodes: []string{"a"}, states: states("a=Error"), want: errored, reason: "Error", message: "Error on 1 of 1 node(s): a"},
		{name: "vanished node ignored", nodes: []string{"a"}, states: states("a=Installed", "gone=Error/X"), want: installed},
		{name: "empty status is pending", nodes: []string{"a"}, states: map[string]nodestatusv1alpha1.ProfileNodeState{"a": {}}, want: pending, reason: "Pending"},
		{name: "in progress", nodes: []string{"a", "b"}, states: states("a=Installed", "b=InProgress/Writing"),
			want: profilebasev1alpha1.StateInProgress, reason: "Writing", message: "not yet installed on every node; see status.nodes"},
		{name: "deleting", nodes: []string{"a"}, deleting: true, want: profilebasev1alpha1.StateTerminating, reason: "InUse",
			message: "waiting for 1 pod(s) using the profile to go"},
		{name: "deleting without nodes", deleting: true, want: profilebasev1alpha1.StateTerminating, reason: "InUse"},
	} {
		got := Decide(tc.nodes, tc.states, tc.deleting, 1, "")
		if got.State != tc.want || (tc.reason != "" && got.Reason != tc.reason) || (tc.message != "" && got.Message != tc.message) {
			t.Errorf("%s: got %+v, want %s/%s %q", tc.name, got, tc.want, tc.reason, tc.message)
		}
	}
}

// The message names at most five of the nodes holding the state back, in
// order, and counts the rest.
func TestDecideMessageLimit(t *testing.T) {
	var nodes, entries []string
	for i := range 7 {
		n := fmt.Sprintf("n%d", i)
		nodes = append(nodes, n)
		entries = append(entries, n+"=Error/Bad")
	}
	got := Decide(nodes, states(entries...), false, 0, "")
	want := "Error on 7 of 7 node(s): n0: Bad; n1: Bad; n2: Bad; n3: Bad; n4: Bad; and 2 more"
	if got.Message != want {
		t.Errorf("message %q, want %q", got.Message, want)
	}
}

func TestDecidePartial(t *testing.T) {
	installed := states("a=Installed")
	for _, tc := range []struct {
		name     string
		labels   map[string]string
		deleting bool
		want     profilebasev1alpha1.ProfileState
		reason   string
		message  string
		nodes    bool
	}{
		{name: "not partial", labels: map[string]string{keys.RecordingIDLabel: "rec"}, want: profilebasev1alpha1.StateInstalled, reason: "Installed", nodes: true},
		{name: "partial=false", labels: map[string]string{keys.PartialLabel: "false", keys.RecordingIDLabel: "rec"}, want: profilebasev1alpha1.StateInstalled, reason: "Installed", nodes: true},
		{name: "partial", labels: map[string]string{keys.PartialLabel: "true", keys.RecordingIDLabel: "rec"},
			want: profilebasev1alpha1.StatePartial, reason: ReasonPartial, message: "waiting to be merged by ProfileRecording rec"},
		{name: "partial without recording", labels: map[string]string{keys.PartialLabel: "true"},
			want: profilebasev1alpha1.StatePartial, reason: ReasonPartial, message: "waiting to be merged by ProfileRecording (none named in " + keys.RecordingIDLabel + ")"},
		{name: "deleting wins", labels: map[string]string{keys.PartialLabel: "true", keys.RecordingIDLabel: "rec"}, deleting: true,
			want: profilebasev1alpha1.StateTerminating, reason: "InUse"},
	} {
		got := Decide([]string{"a"}, installed, tc.deleting, 0, PartialOf(tc.labels))
		if got.State != tc.want || got.Reason != tc.reason || (tc.message != "" && got.Message != tc.message) {
			t.Errorf("%s: got %+v, want %s/%s %q", tc.name, got, tc.want, tc.reason, tc.message)
		}
		// A partial profile is never installed: its nodes are not summed up.
		if !tc.deleting && (got.Nodes != nil) != tc.nodes {
			t.Errorf("%s: nodes %+v, want summary: %v", tc.name, got.Nodes, tc.nodes)
		}
	}
}

func TestDecideSummary(t *testing.T) {
	type ns = profilebasev1alpha1.NodeState
	for _, tc := range []struct {
		name   string
		nodes  []string
		states map[string]nodestatusv1alpha1.ProfileNodeState
		want   *profilebasev1alpha1.NodeSummary
	}{
		{name: "no nodes: no summary"},
		{name: "all installed", nodes: []string{"a", "b"}, states: states("a=Installed/ProfileInstalled", "b=Installed"),
			want: &profilebasev1alpha1.NodeSummary{Total: 2, Installed: 2}},
		{name: "unreported node is pending", nodes: []string{"a", "b"}, states: states("a=Installed"),
			want: &profilebasev1alpha1.NodeSummary{Total: 2, Installed: 1, NotInstalled: []ns{
				{Node: "b", Status: profilebasev1alpha1.StatePending, Reason: "Pending", Message: "the node has not reported"}}}},
		{name: "a vanished node's state does not count", nodes: []string{"a"}, states: states("a=Installed", "gone=Error/X"),
			want: &profilebasev1alpha1.NodeSummary{Total: 1, Installed: 1}},
		{name: "lowest state first, then by name",
			nodes:  []string{"e", "d", "c", "b", "a", "f"},
			states: states("a=InProgress/Writing", "b=Error/Bad", "d=Installed", "e=Error/Worse", "f=Disabled/Off"),
			want: &profilebasev1alpha1.NodeSummary{Total: 6, Installed: 1, NotInstalled: []ns{
				{Node: "b", Status: profilebasev1alpha1.StateError, Reason: "Bad", Message: "Bad"},
				{Node: "e", Status: profilebasev1alpha1.StateError, Reason: "Worse", Message: "Worse"},
				{Node: "f", Status: profilebasev1alpha1.StateDisabled, Reason: "Off", Message: "Off"},
				{Node: "c", Status: profilebasev1alpha1.StatePending, Reason: "Pending", Message: "the node has not reported"},
				{Node: "a", Status: profilebasev1alpha1.StateInProgress, Reason: "Writing", Message: "Writing"},
			}}},
	} {
		got := Decide(tc.nodes, tc.states, false, 0, "").Nodes
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// On many nodes the list stops at MaxListedNodes, keeping the lowest
// states, and NotListed counts the rest.
func TestDecideSummaryBound(t *testing.T) {
	var nodes, entries []string
	for i := range 30 {
		n := fmt.Sprintf("n%02d", i)
		nodes = append(nodes, n)
		switch {
		case i < 5:
			entries = append(entries, n+"=Installed")
		case i == 29:
			// Last by name, first by state: it must be listed.
			entries = append(entries, n+"=Error/Bad")
		}
	}
	got := Decide(nodes, states(entries...), false, 0, "").Nodes
	if got == nil {
		t.Fatal("no summary")
	}
	if got.Total != 30 || got.Installed != 5 || got.NotListed != 5 || len(got.NotInstalled) != profilebasev1alpha1.MaxListedNodes {
		t.Fatalf("got total %d installed %d notListed %d listed %d, want 30, 5, 5, %d",
			got.Total, got.Installed, got.NotListed, len(got.NotInstalled), profilebasev1alpha1.MaxListedNodes)
	}
	if first := got.NotInstalled[0]; first.Node != "n29" || first.Status != profilebasev1alpha1.StateError {
		t.Errorf("first listed %+v, want n29 Error", first)
	}
	for i, s := range got.NotInstalled[1:] {
		if want := fmt.Sprintf("n%02d", i+5); s.Node != want || s.Status != profilebasev1alpha1.StatePending {
			t.Errorf("listed[%d] = %+v, want %s Pending", i+1, s, want)
		}
	}
}

// Twenty nodes without the profile fit: nothing is left unlisted.
func TestDecideSummaryExactlyBound(t *testing.T) {
	nodes := make([]string, profilebasev1alpha1.MaxListedNodes)
	for i := range nodes {
		nodes[i] = fmt.Sprintf("n%02d", i)
	}
	got := Decide(nodes, nil, false, 0, "").Nodes
	if got.NotListed != 0 || len(got.NotInstalled) != profilebasev1alpha1.MaxListedNodes {
		t.Errorf("notListed %d listed %d, want 0 and %d", got.NotListed, len(got.NotInstalled), profilebasev1alpha1.MaxListedNodes)
	}
}
