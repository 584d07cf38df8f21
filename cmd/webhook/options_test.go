package main

import (
	"io"
	"maps"
	"slices"
	"testing"
)

// TestManagerOptionsReleaseTheLease: a webhook replica that stops cleanly
// hands its leader lease back, so another replica writes binding and
// recording status at once instead of after the lease runs out.
func TestManagerOptionsReleaseTheLease(t *testing.T) {
	o := managerOptions(options{leaderElect: true, metricsAddr: "0", probeAddr: "0"})
	if !o.LeaderElection || o.LeaderElectionID != leaderElectionID {
		t.Errorf("leader election %v with lease %q, want on with %q", o.LeaderElection, o.LeaderElectionID, leaderElectionID)
	}
	if !o.LeaderElectionReleaseOnCancel {
		t.Error("the lease is kept after a clean shutdown: LeaderElectionReleaseOnCancel is false")
	}
}

// TestWatchNamespaceRestrictsTheCache: with --watch-namespace the
// manager caches (so the handlers can read) the watched namespace and the
// operator's only, as the namespace-restricted manager does; without it,
// every namespace. The handlers get the same namespaces. --gate-namespaces
// alone still limits only the gate.
func TestWatchNamespaceRestrictsTheCache(t *testing.T) {
	env := map[string]string{envOperatorNamespace: "spo"}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{nil, nil},
		{[]string{"--watch-namespace=team-a", "--gate-namespaces=team-a,spo"}, []string{"spo", "team-a"}},
	} {
		o, err := parseOptions(tc.args, func(k string) string { return env[k] }, io.Discard)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		cached := slices.Sorted(maps.Keys(managerOptions(o).Cache.DefaultNamespaces))
		if !slices.Equal(cached, tc.want) {
			t.Errorf("%v: cache restricted to %v, want %v", tc.args, cached, tc.want)
		}
		b, r := o.handlerOptions()
		if !slices.Equal(b.Namespaces, tc.want) || !slices.Equal(r.Namespaces, tc.want) {
			t.Errorf("%v: handlers restricted to %v and %v, want %v", tc.args, b.Namespaces, r.Namespaces, tc.want)
		}
	}
	o, _ := parseOptions([]string{"--gate-namespaces=team-a,spo"}, func(string) string { return "" }, io.Discard)
	if b, _ := o.handlerOptions(); !slices.Equal(b.GateNamespaces, []string{"team-a", "spo"}) || b.Namespaces != nil {
		t.Errorf("--gate-namespaces alone gives gate %v and restriction %v", b.GateNamespaces, b.Namespaces)
	}
	if _, err := parseOptions([]string{"--watch-namespace=Team_A"}, func(string) string { return "" }, io.Discard); err == nil {
		t.Error("a malformed --watch-namespace is accepted")
	}
}
