#!/usr/bin/env bash
# Admission latency of the binding and recording webhooks (handler p50/p99
# with 100 ProfileBindings and 20 ProfileRecordings in the namespace) and
# end-to-end pod-create latency through a local kube-apiserver with and
# without the webhooks at 100 creates/s. Loopback only, a bounded number
# of pods; compared runs alternate (hack/bench/abratio). Prints numbers,
# never fails on them. Needs the envtest binaries
# (make k8s-binaries).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export KUBEBUILDER_ASSETS="${KUBEBUILDER_ASSETS:-$PWD/bin/k8s/${K8S_VERSION:-v1.35.4}}"
go run ./hack/bench/webhook "$@"
