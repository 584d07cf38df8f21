package main

import (
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/securityprofiles/operator/controllers/spod"
	"github.com/securityprofiles/operator/internal/metricsserving"
	"github.com/securityprofiles/operator/internal/scheme"
)

// leaderElectionID names the manager's leader lease.
const leaderElectionID = "security-profiles-operator-lock"

// managerOptions are the options the manager runs with. A manager that
// stops cleanly (SIGTERM in a rollout or a node's shutdown) releases its
// leader lease, so its successor need not wait the lease out before
// profiles get a status: main exits as soon as the manager has stopped,
// which is what makes the early release safe.
func managerOptions(spodConfig spod.Config, metricsAddr, probeAddr string, leaderElect bool) ctrl.Options {
	return ctrl.Options{
		Scheme:                 scheme.New(),
		Cache:                  cacheOptions(spodConfig.Namespace, spodConfig.WatchNamespace),
		Metrics:                metricsserving.Options(metricsAddr, ""),
		HealthProbeBindAddress: probeAddr,
		LeaderElection:         leaderElect,
		LeaderElectionID:       leaderElectionID,
		// The lease lives in the operator's namespace. Without this,
		// controller-runtime reads the namespace from the in-cluster
		// service account file, so a manager run outside a pod (by hand,
		// in tests) could not elect a leader at all.
		LeaderElectionNamespace:       spodConfig.Namespace,
		LeaderElectionReleaseOnCancel: true,
	}
}
