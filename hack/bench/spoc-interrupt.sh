#!/usr/bin/env bash
# Time from Ctrl-C (SIGINT) to exit of `spoc record` with a sleeping command
# under it: spoc stops the command, reads the recording and writes the
# profile. The spoc issue asked for under 2 s; this prints the median and
# the min–max of RUNS runs (hack/bench/lib.sh) and never fails on them (the
# test only checks that the profile is written). Needs root and kernel BTF.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source hack/bench/lib.sh
RUNS="${RUNS:-5}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
source hack/cgo-env.sh
go build -o "$work/spoc" ./cmd/spoc

# once prints the microseconds from SIGINT to spoc's exit, interrupting
# only once sleep sleeps (syscall 230, clock_nanosleep) under the recorder.
once() {
	rm -f "$work/sleep.yaml"
	"$work/spoc" record -o "$work/sleep.yaml" sleep 100 2>"$work/log" &
	local spoc=$! pid="" s e
	for _ in $(seq 1 300); do
		pid="$(sed -n 's/.*Running command with PID: \([0-9]*\).*/\1/p' "$work/log")"
		[ -n "$pid" ] && grep -q '^230 ' "/proc/$pid/syscall" 2>/dev/null && break
		sleep 0.1
	done
	if [ -z "$pid" ]; then
		kill -KILL "$spoc" 2>/dev/null || true
		echo "spoc did not start its command:" >&2
		cat "$work/log" >&2
		return 1
	fi
	s=$(date +%s%N)
	kill -INT "$spoc"
	wait "$spoc" || true
	e=$(date +%s%N)
	# A run that wrote no profile measured nothing.
	[ -s "$work/sleep.yaml" ] || { echo "spoc wrote no profile:" >&2; cat "$work/log" >&2; return 1; }
	echo $(((e - s) / 1000))
}

runs=""
for _ in $(seq 1 "$RUNS"); do runs+="$(once)"$'\n'; done
printf '%s' "$runs" | series_line "spoc record, SIGINT to exit $(load_note)"
