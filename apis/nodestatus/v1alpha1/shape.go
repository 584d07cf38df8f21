package v1alpha1

import (
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/types"

	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
)

// ReasonInstalled is the reason of every Installed state: the installed
// list keeps no reason of its own.
const ReasonInstalled = "ProfileInstalled"

// PerNode reports whether s has the current shape: one object per node and
// namespace, named after its node. Objects of the earlier shape (one per
// profile and node, named "<kind>-<profile>-<node>-<hash>") do not, and
// are deleted wherever they are found.
func (s *SecurityProfileNodeStatus) PerNode() bool {
	return s.Name == s.NodeName
}

// Less orders states by kind, then name: the order of Profiles.
func Less(a, b *ProfileNodeState) bool {
	if a.Kind != b.Kind {
		return a.Kind < b.Kind
	}
	return a.Name < b.Name
}

// InstalledEntry is a profile's entry in the installed list. No part can
// hold a "/": kinds are words, names DNS subdomains, UIDs UUIDs.
func InstalledEntry(kind ProfileKind, name string, uid types.UID) string {
	return string(kind) + "/" + name + "/" + string(uid)
}

// parseInstalled reads an installed entry back into its state; ok is false
// for a malformed one, which counts for no profile.
func parseInstalled(entry string) (_ ProfileNodeState, ok bool) {
	kind, rest, ok1 := strings.Cut(entry, "/")
	name, uid, ok2 := strings.Cut(rest, "/")
	if !ok1 || !ok2 || kind == "" || name == "" || uid == "" || strings.Contains(uid, "/") {
		return ProfileNodeState{}, false
	}
	return ProfileNodeState{Kind: ProfileKind(kind), Name: name, UID: types.UID(uid),
		Status: profilebasev1alpha1.StateInstalled, Reason: ReasonInstalled}, true
}

// States returns every state s holds, Installed or not.
func (s *SecurityProfileNodeStatus) States() []ProfileNodeState {
	out := make([]ProfileNodeState, 0, len(s.Installed)+len(s.Profiles))
	for _, entry := range s.Installed {
		if st, ok := parseInstalled(entry); ok {
			out = append(out, st)
		}
	}
	return append(out, s.Profiles...)
}

// SetStates makes s list states, as the node's daemon writes them: the
// Installed ones in Installed, the others in Profiles, both sorted, and
// the counts.
func (s *SecurityProfileNodeStatus) SetStates(states []ProfileNodeState) {
	s.Installed, s.Profiles = nil, nil
	for i := range states {
		if states[i].Status == profilebasev1alpha1.StateInstalled {
			s.Installed = append(s.Installed, InstalledEntry(states[i].Kind, states[i].Name, states[i].UID))
		} else {
			s.Profiles = append(s.Profiles, states[i])
		}
	}
	// By the whole string: "a-b/…" sorts before "a/…", unlike the names.
	sort.Strings(s.Installed)
	sort.Slice(s.Profiles, func(i, j int) bool { return Less(&s.Profiles[i], &s.Profiles[j]) })
	s.ProfileCount, s.InstalledCount = int32(len(states)), int32(len(s.Installed))
}

// Find returns the state of the named profile, or nil. Both lists are
// sorted (the daemon writes them so), which keeps a lookup cheap on
// namespaces with thousands of profiles. An object written before the
// installed list existed keeps Installed states in Profiles; they count.
func (s *SecurityProfileNodeStatus) Find(kind ProfileKind, name string) *ProfileNodeState {
	key := ProfileNodeState{Kind: kind, Name: name}
	i := sort.Search(len(s.Profiles), func(i int) bool { return !Less(&s.Profiles[i], &key) })
	if i < len(s.Profiles) && s.Profiles[i].Kind == kind && s.Profiles[i].Name == name {
		return &s.Profiles[i]
	}
	// Every entry of the profile starts with prefix and sorts at or after
	// it; none before it does.
	prefix := string(kind) + "/" + name + "/"
	if j := sort.SearchStrings(s.Installed, prefix); j < len(s.Installed) && strings.HasPrefix(s.Installed[j], prefix) {
		if st, ok := parseInstalled(s.Installed[j]); ok {
			return &st
		}
	}
	return nil
}
