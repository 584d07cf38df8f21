#!/usr/bin/env bash
# Memory of the manager's and a daemon's pod caches with PODS (default
# 10000) pods, with and without the pod transforms (internal/podcache)
# and the daemon's enableMemoryOptimization. Prints numbers only.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source hack/cgo-env.sh
export KUBEBUILDER_ASSETS="${KUBEBUILDER_ASSETS:-$PWD/bin/k8s/${K8S_VERSION:-v1.35.4}}"
bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT
# Built once: every configuration re-runs the binary as a child.
go build -o "$bin/podmem" ./hack/bench/podmem
"$bin/podmem" -pods "${PODS:-10000}"
