#!/usr/bin/env bash
# Memory of the manager's and a daemon's pod caches with PODS (default
# 10000) pods, with and without the pod transforms (internal/podcache),
# the manager with its Deployment's GOGC against the default (A/B), and the
# daemon's enableMemoryOptimization. Prints numbers only.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source hack/cgo-env.sh
export KUBEBUILDER_ASSETS="${KUBEBUILDER_ASSETS:-$PWD/bin/k8s/${K8S_VERSION:-v1.35.4}}"
bin="$(mktemp -d)"
trap 'rm -rf "$bin"' EXIT
# podmem runs the API server and one child process per configuration.
go build -o "$bin/podmem" ./hack/bench/podmem
# Stripped as the Makefile builds the binaries it stands for.
go build -trimpath -ldflags "-s -w" -o "$bin/child" ./hack/bench/podmem/child
"$bin/podmem" -pods "${PODS:-10000}" -child "$bin/child"
