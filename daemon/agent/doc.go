// Package agent wires the node daemon's reconcilers into a manager: it
// resolves this node's kubelet root, opens the profile storage, checks
// what the kernel supports and registers each concern's reconciler. The
// daemon binary and the multi-node tests and benchmarks share it.
package agent
