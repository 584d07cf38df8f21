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
