#!/usr/bin/env bash
# make bench: Go benchmarks, then every scripted measurement in hack/bench/.
# These print numbers and ratios; they are never pass/fail tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck disable=SC2046 # one argument per package
go test -run '^$' -bench . -benchmem $(go list ./... | grep -v /hack/)
for s in hack/bench/*.sh; do
	[ -e "$s" ] || continue
	# lib.sh is sourced by the others, not a bench.
	[ "$s" = hack/bench/lib.sh ] && continue
	echo "== $s"
	bash "$s"
done
