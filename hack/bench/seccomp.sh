#!/usr/bin/env bash
# SeccompProfiles to simulated nodes (real API server; the node daemons in
# one process, the manager's controller in a child process): create ->
# Installed latency, bulk throughput, the node-status objects and API
# writes it costs, and memory; first, what one node-status write costs the
# API server by its length. 20 nodes with 1000 profiles, then 200 nodes
# with 500. Prints numbers, never fails on them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source hack/cgo-env.sh
export KUBEBUILDER_ASSETS="${KUBEBUILDER_ASSETS:-$PWD/bin/k8s/${K8S_VERSION:-v1.35.4}}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
go build -o "$work/seccompnodes" ./hack/bench/seccompnodes
go build -o "$work/nodestatuswrite" ./hack/bench/nodestatuswrite
"$work/nodestatuswrite"
"$work/seccompnodes" -nodes 20 -latency-profiles 200 -bulk-profiles 1000 -floor
"$work/seccompnodes" -nodes 200 -latency-profiles 20 -bulk-profiles 500
