package main

import (
	"maps"
	"slices"
	"testing"
)

func TestCacheOptions(t *testing.T) {
	if got := cacheOptions("spo", ""); got.DefaultNamespaces != nil {
		t.Errorf("without RESTRICT_TO_NAMESPACE the cache is restricted to %v", slices.Collect(maps.Keys(got.DefaultNamespaces)))
	}
	got := cacheOptions("spo", "team-a")
	ns := slices.Sorted(maps.Keys(got.DefaultNamespaces))
	if !slices.Equal(ns, []string{"spo", "team-a"}) {
		t.Errorf("RESTRICT_TO_NAMESPACE=team-a caches %v, want the operator's and team-a", ns)
	}
	for obj, by := range got.ByObject {
		if by.Namespaces != nil && len(by.Namespaces) != 1 {
			t.Errorf("%T cached in %v, want the operator namespace only", obj, by.Namespaces)
		}
	}
}

func TestWatchNamespace(t *testing.T) {
	for _, tc := range []struct{ restrict, olm, want string }{
		{"", "", ""},
		{"team-a", "", "team-a"},
		{"", "team-b", "team-b"},
		{"team-a", "team-b", "team-a"},
		{"", "team-a,team-b", ""},
	} {
		if got := watchNamespace(tc.restrict, tc.olm); got != tc.want {
			t.Errorf("watchNamespace(%q, %q) = %q, want %q", tc.restrict, tc.olm, got, tc.want)
		}
	}
}
