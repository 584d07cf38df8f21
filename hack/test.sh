#!/usr/bin/env bash
# make test: every test, against the real control plane binaries built by
# hack/k8s-binaries.sh. Set CI=true to turn skips for missing capabilities
# (root, BTF, seccomp, tools) into failures.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

export K8S_VERSION="${K8S_VERSION:-v1.35.4}"
export KUBEBUILDER_ASSETS="$ROOT/bin/k8s/$K8S_VERSION"
# cgo settings for the statically linked libbpf (spoc and the recorder).
[ -f hack/cgo-env.sh ] && source hack/cgo-env.sh

hack/verify.sh
# The run-local test drives the real binaries.
make --no-print-directory build local-control-plane >/dev/null

go test -count=1 -timeout 45m ./...
