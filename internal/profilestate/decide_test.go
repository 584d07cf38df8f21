package profilestate

import (
	"testing"

	"github.com/securityprofiles/operator/apis/keys"
	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
)

func ns(node string, st profilebasev1alpha1.ProfileState, reason string) nodestatusv1alpha1.SecurityProfileNodeStatus {
	return nodestatusv1alpha1.SecurityProfileNodeStatus{NodeName: node, Status: st, Reason: reason, Message: reason}
}

func TestDecide(t *testing.T) {
	installed, pending, errored := profilebasev1alpha1.StateInstalled, profilebasev1alpha1.StatePending, profilebasev1alpha1.StateError
	for _, tc := range []struct {
		name     string
		nodes    []string
		statuses []nodestatusv1alpha1.SecurityProfileNodeStatus
		deleting bool
		want     profilebasev1alpha1.ProfileState
		reason   string
	}{
		{name: "no nodes", want: pending, reason: "NoNodes"},
		{name: "nobody reported", nodes: []string{"a", "b"}, want: pending, reason: "Pending"},
		{name: "one missing", nodes: []string{"a", "b"}, statuses: []nodestatusv1alpha1.SecurityProfileNodeStatus{ns("a", installed, "ProfileInstalled")}, want: pending},
		{name: "all installed", nodes: []string{"a", "b"}, statuses: []nodestatusv1alpha1.SecurityProfileNodeStatus{ns("a", installed, "ProfileInstalled"), ns("b", installed, "ProfileInstalled")}, want: installed, reason: "Installed"},
		{name: "error wins", nodes: []string{"a", "b"}, statuses: []nodestatusv1alpha1.SecurityProfileNodeStatus{ns("a", installed, ""), ns("b", errored, "ProfileNotAllowed")}, want: errored, reason: "ProfileNotAllowed"},
		{name: "vanished node ignored", nodes: []string{"a"}, statuses: []nodestatusv1alpha1.SecurityProfileNodeStatus{ns("a", installed, ""), ns("gone", errored, "X")}, want: installed},
		{name: "in progress", nodes: []string{"a", "b"}, statuses: []nodestatusv1alpha1.SecurityProfileNodeStatus{ns("a", installed, ""), ns("b", profilebasev1alpha1.StateInProgress, "Writing")}, want: profilebasev1alpha1.StateInProgress},
		{name: "deleting", nodes: []string{"a"}, deleting: true, want: profilebasev1alpha1.StateTerminating, reason: "InUse"},
	} {
		got := Decide(tc.nodes, tc.statuses, tc.deleting, 1, "")
		if got.State != tc.want || (tc.reason != "" && got.Reason != tc.reason) {
			t.Errorf("%s: got %+v, want %s/%s", tc.name, got, tc.want, tc.reason)
		}
	}
}

func TestDecidePartial(t *testing.T) {
	installed := ns("a", profilebasev1alpha1.StateInstalled, "")
	for _, tc := range []struct {
		name     string
		labels   map[string]string
		deleting bool
		want     profilebasev1alpha1.ProfileState
		reason   string
		message  string
	}{
		{name: "not partial", labels: map[string]string{keys.RecordingIDLabel: "rec"}, want: profilebasev1alpha1.StateInstalled, reason: "Installed"},
		{name: "partial=false", labels: map[string]string{keys.PartialLabel: "false", keys.RecordingIDLabel: "rec"}, want: profilebasev1alpha1.StateInstalled, reason: "Installed"},
		{name: "partial", labels: map[string]string{keys.PartialLabel: "true", keys.RecordingIDLabel: "rec"},
			want: profilebasev1alpha1.StatePartial, reason: ReasonPartial, message: "waiting to be merged by ProfileRecording rec"},
		{name: "partial without recording", labels: map[string]string{keys.PartialLabel: "true"},
			want: profilebasev1alpha1.StatePartial, reason: ReasonPartial, message: "waiting to be merged by ProfileRecording (none named in " + keys.RecordingIDLabel + ")"},
		{name: "deleting wins", labels: map[string]string{keys.PartialLabel: "true", keys.RecordingIDLabel: "rec"}, deleting: true,
			want: profilebasev1alpha1.StateTerminating, reason: "InUse"},
	} {
		got := Decide([]string{"a"}, []nodestatusv1alpha1.SecurityProfileNodeStatus{installed}, tc.deleting, 0, PartialOf(tc.labels))
		if got.State != tc.want || got.Reason != tc.reason || (tc.message != "" && got.Message != tc.message) {
			t.Errorf("%s: got %+v, want %s/%s %q", tc.name, got, tc.want, tc.reason, tc.message)
		}
	}
}
