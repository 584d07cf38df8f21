#!/usr/bin/env bash
# Create -> Installed latency and bulk throughput of SeccompProfiles on 20
# simulated nodes (real API server, manager controller, 20 daemons).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source hack/cgo-env.sh
go run ./hack/bench/seccompnodes -nodes 20 -latency-profiles 200 -bulk-profiles 1000
