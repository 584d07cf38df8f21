package main

import (
	"testing"

	"github.com/securityprofiles/operator/controllers/spod"
)

// TestManagerOptionsReleaseTheLease: a manager that stops cleanly hands
// its leader lease back, so the next one (a rollout, or make run-local on
// the same state) starts reconciling at once instead of waiting the lease
// out while profiles show no status.
func TestManagerOptionsReleaseTheLease(t *testing.T) {
	o := managerOptions(spod.Config{Namespace: "spo"}, "0", "0", true)
	if !o.LeaderElection || o.LeaderElectionID != leaderElectionID {
		t.Errorf("leader election %v with lease %q, want on with %q", o.LeaderElection, o.LeaderElectionID, leaderElectionID)
	}
	if o.LeaderElectionNamespace != "spo" {
		t.Errorf("lease in namespace %q, want the operator's: outside a pod none could be elected", o.LeaderElectionNamespace)
	}
	if !o.LeaderElectionReleaseOnCancel {
		t.Error("the lease is kept after a clean shutdown: LeaderElectionReleaseOnCancel is false")
	}
	if o := managerOptions(spod.Config{Namespace: "spo"}, "0", "0", false); o.LeaderElection {
		t.Error("--leader-elect=false still elects a leader")
	}
}
