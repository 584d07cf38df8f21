package main

import "testing"

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
