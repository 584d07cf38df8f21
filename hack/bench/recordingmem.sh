#!/usr/bin/env bash
# Memory of a recorder container's pod cache with PODS (default 2000)
# pods on its node, with and without enableMemoryOptimization. Prints
# numbers only.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source hack/cgo-env.sh
export KUBEBUILDER_ASSETS="${KUBEBUILDER_ASSETS:-$PWD/bin/k8s/${K8S_VERSION:-v1.35.4}}"
go run ./hack/bench/recordingmem -pods "${PODS:-2000}"
