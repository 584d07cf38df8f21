package v1alpha1

import (
	"reflect"
	"sort"
	"testing"

	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
)

func TestFindInBothLists(t *testing.T) {
	// Sorted as the daemon sorts them: by the whole string, so "a-b/…"
	// comes before "a/…" although "a" sorts before "a-b" as a name.
	installed := []string{
		InstalledEntry("AppArmorProfile", "a", "u-aa"),
		InstalledEntry("SeccompProfile", "a", "u-1"),
		InstalledEntry("SeccompProfile", "a-b", "u-2"),
		InstalledEntry("SeccompProfile", "ab", "u-3"),
	}
	sort.Strings(installed)
	s := &SecurityProfileNodeStatus{Installed: installed, Profiles: []ProfileNodeState{
		{Kind: "SeccompProfile", Name: "broken", UID: "u-4", Status: profilebasev1alpha1.StateError, Reason: "InvalidSeccompProfile"},
	}}
	for _, c := range []struct {
		kind ProfileKind
		name string
		want *ProfileNodeState
	}{
		{"SeccompProfile", "a", &ProfileNodeState{Kind: "SeccompProfile", Name: "a", UID: "u-1", Status: profilebasev1alpha1.StateInstalled, Reason: ReasonInstalled}},
		{"SeccompProfile", "a-b", &ProfileNodeState{Kind: "SeccompProfile", Name: "a-b", UID: "u-2", Status: profilebasev1alpha1.StateInstalled, Reason: ReasonInstalled}},
		{"SeccompProfile", "ab", &ProfileNodeState{Kind: "SeccompProfile", Name: "ab", UID: "u-3", Status: profilebasev1alpha1.StateInstalled, Reason: ReasonInstalled}},
		{"AppArmorProfile", "a", &ProfileNodeState{Kind: "AppArmorProfile", Name: "a", UID: "u-aa", Status: profilebasev1alpha1.StateInstalled, Reason: ReasonInstalled}},
		{"SeccompProfile", "broken", &s.Profiles[0]},
		{"SeccompProfile", "a-", nil},
		{"SeccompProfile", "b", nil},
		{"SelinuxProfile", "a", nil},
	} {
		if got := s.Find(c.kind, c.name); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Find(%s, %s) = %+v, want %+v", c.kind, c.name, got, c.want)
		}
	}
	if got := len(s.States()); got != 5 {
		t.Errorf("States() has %d entries, want 5", got)
	}
}

func TestMalformedInstalledEntriesCountForNothing(t *testing.T) {
	s := &SecurityProfileNodeStatus{Installed: []string{"SeccompProfile/p", "SeccompProfile//u", "SeccompProfile/p/u/x", "/p/u"}}
	if got := s.States(); len(got) != 0 {
		t.Errorf("States() = %+v, want none", got)
	}
	if got := s.Find("SeccompProfile", "p"); got != nil {
		t.Errorf("Find = %+v, want nil", got)
	}
}

func TestSetStatesSplitsAndSorts(t *testing.T) {
	s := &SecurityProfileNodeStatus{}
	s.SetStates([]ProfileNodeState{
		{Kind: "SeccompProfile", Name: "a", UID: "u1", Status: profilebasev1alpha1.StateInstalled, Reason: ReasonInstalled},
		{Kind: "SeccompProfile", Name: "z", UID: "u3", Status: profilebasev1alpha1.StateError, Reason: "R"},
		{Kind: "SeccompProfile", Name: "a-b", UID: "u2", Status: profilebasev1alpha1.StateInstalled, Reason: ReasonInstalled},
		{Kind: "SeccompProfile", Name: "b", UID: "u4", Status: profilebasev1alpha1.StatePending},
	})
	if want := []string{"SeccompProfile/a-b/u2", "SeccompProfile/a/u1"}; !reflect.DeepEqual(s.Installed, want) {
		t.Errorf("Installed = %q, want %q", s.Installed, want)
	}
	if len(s.Profiles) != 2 || s.Profiles[0].Name != "b" || s.Profiles[1].Name != "z" {
		t.Errorf("Profiles = %+v, want b then z", s.Profiles)
	}
	if s.ProfileCount != 4 || s.InstalledCount != 2 {
		t.Errorf("counts %d/%d, want 4/2", s.ProfileCount, s.InstalledCount)
	}
	if got := s.Find("SeccompProfile", "a"); got == nil || got.UID != "u1" {
		t.Errorf("Find(a) = %+v", got)
	}
}
