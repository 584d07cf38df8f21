// Package controlplanefaults injects control-plane faults while the real
// manager binary (./cmd/manager) is working on SeccompProfiles against a
// real kube-apiserver and etcd (envtest), and proves the work converges
// with nothing lost:
//
//   - the leader of two manager replicas is SIGKILLed mid-burst: the other
//     takes the lease over, every profile reaches Installed, and none went
//     through a state twice, lost its status or got a duplicate Event;
//   - kube-apiserver is restarted (etcd kept) while profiles are created
//     and deleted: every kept profile reaches Installed and every deleted
//     one is gone, none left holding a finalizer.
//
// Node daemons are simulated by writing SecurityProfileNodeStatus objects
// with the daemon's own writer (daemon/nodestatus), so the manager sees
// exactly what real daemons would send it. The package has tests only.
package controlplanefaults
