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

# Everything but the e2e suite, packages in parallel.
go test -count=1 -timeout 45m $(go list ./... | grep -v '/test/e2e$')
# The e2e suite brings up a real node (root): alone, after the rest, so it
# neither competes for the two cores nor for the node's host resources.
hack/test-e2e.sh
