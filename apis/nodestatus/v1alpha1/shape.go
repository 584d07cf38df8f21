package v1alpha1

import "sort"

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

// Find returns the state of the named profile, or nil. Profiles is sorted
// (the daemon writes it so), which keeps a lookup cheap on namespaces with
// thousands of profiles.
func (s *SecurityProfileNodeStatus) Find(kind ProfileKind, name string) *ProfileNodeState {
	key := ProfileNodeState{Kind: kind, Name: name}
	i := sort.Search(len(s.Profiles), func(i int) bool { return !Less(&s.Profiles[i], &key) })
	if i < len(s.Profiles) && s.Profiles[i].Kind == kind && s.Profiles[i].Name == name {
		return &s.Profiles[i]
	}
	return nil
}
