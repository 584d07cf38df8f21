#!/usr/bin/env bash
# make test-e2e: the e2e suite on a real single-node cluster brought up by
# hack/run-local.sh (root). Without root it skips, or fails under CI=true.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export K8S_VERSION="${K8S_VERSION:-v1.35.4}"
[ -f hack/cgo-env.sh ] && source hack/cgo-env.sh
make --no-print-directory build >/dev/null
go test -count=1 -timeout 40m ./test/e2e/ -args -ginkgo.v
