#!/usr/bin/env bash
# Wall-time cost of recording with spoc, with strace -f as the foil.
# For each workload it prints the median of RUNS runs, untraced, under
# `spoc record` and under `strace -f`, and the ratios traced/untraced.
# "inner" times are measured inside the traced tree (the recorder's
# steady-state cost); "total" adds spoc's BPF load and self-test, or
# strace's start-up. Needs root and kernel BTF. Prints numbers, never fails
# on them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
RUNS="${RUNS:-5}"
# strace -f takes over a minute for the getpid loop: one run is enough to
# show the order of magnitude.
STRACE_RUNS="${STRACE_RUNS:-1}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

source hack/cgo-env.sh
go build -o "$work/spoc" ./cmd/spoc
cat >"$work/getpid.c" <<'C'
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>
/* glibc no longer caches getpid, but call the syscall directly anyway. */
int main(void)
{
	for (long i = 0; i < 2000000; i++)
		syscall(SYS_getpid);
	return 0;
}
C
cc -O2 -o "$work/getpid" "$work/getpid.c"
# inner: runs the workload and prints its own wall time in microseconds.
cat >"$work/inner" <<'SH'
#!/bin/sh
s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N)
echo $(( (e - s) / 1000 ))
SH
chmod +x "$work/inner"

# measure MODE CMD...: prints "inner_us total_us" for one run.
measure() {
	local mode="$1"; shift
	local s e inner
	s=$(date +%s%N)
	case "$mode" in
	bare) inner=$("$work/inner" "$@") ;;
	spoc) inner=$("$work/spoc" record -n -o "$work/p.yaml" "$work/inner" "$@" 2>/dev/null) ;;
	strace) inner=$(strace -f -qq -o /dev/null "$work/inner" "$@") ;;
	esac
	e=$(date +%s%N)
	echo "$inner $(( (e - s) / 1000 ))"
}

# median COLUMN of RUNS measurements.
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

bench() {
	local name="$1"; shift
	declare -A runs inner total
	# Warm the page cache, then interleave the modes so that drift in the
	# machine's load hits them alike.
	"$@" >/dev/null
	for i in $(seq "$RUNS"); do
		for mode in bare spoc strace; do
			[ "$mode" = strace ] && [ "$i" -gt "$STRACE_RUNS" ] && continue
			runs[$mode]+="$(measure "$mode" "$@")"$'\n'
		done
	done
	for mode in bare spoc strace; do
		inner[$mode]=$(printf '%s' "${runs[$mode]}" | cut -d' ' -f1 | median)
		total[$mode]=$(printf '%s' "${runs[$mode]}" | cut -d' ' -f2 | median)
	done
	awk -v n="$name" -v bi="${inner[bare]}" -v si="${inner[spoc]}" -v ti="${inner[strace]}" \
		-v bt="${total[bare]}" -v st="${total[spoc]}" -v tt="${total[strace]}" 'BEGIN {
		printf "%-24s untraced %7.3fs | spoc inner %7.3fs (%.2fx) total %7.3fs (%.2fx) | strace -f inner %7.3fs (%.2fx) total %7.3fs (%.2fx)\n",
			n, bi/1e6, si/1e6, si/bi, st/1e6, st/bt, ti/1e6, ti/bi, tt/1e6, tt/bt }'
}

echo "spoc recording overhead, median of $RUNS runs (strace: $STRACE_RUNS) ($(nproc) CPUs, load $(cut -d' ' -f1 /proc/loadavg))"
bench "getpid x 2M" "$work/getpid"
bench "find /usr" find /usr
# GNU tar skips reading files when it writes to /dev/null: pipe it.
bench "tar -c /usr/share | cat" sh -c 'tar -cf - -C /usr share | cat'

