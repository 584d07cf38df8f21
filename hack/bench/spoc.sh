#!/usr/bin/env bash
# Wall and CPU time cost of recording with spoc, strace -f as the foil. Each
# round runs a workload untraced and then under `spoc record`, so drift in
# the machine's speed hits both alike (hack/bench/lib.sh prints the median
# of the per-round ratios). "inner" is timed inside the traced tree: the
# recorder's steady-state cost. "whole process" is the wall time of the
# whole command, spoc's fixed cost (BPF load, self-test, profile write)
# included; `spoc record true` shows that fixed cost alone. "inner CPU
# time" is the workload's user+sys time, which other jobs preempting it
# do not inflate as they do wall time. strace -f runs
# in the first STRACE_RUNS rounds only. Needs root and kernel BTF. Prints
# numbers, never fails on them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source hack/bench/lib.sh
RUNS="${RUNS:-9}"
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
# inner: runs the workload and prints its wall time and its CPU time
# (user+sys of it and its children, from bash's times), in microseconds.
cat >"$work/inner" <<'SH'
#!/bin/bash
f=$(mktemp)
s=$(date +%s%N); "$@" >/dev/null; e=$(date +%s%N)
# times in this shell: in a pipe or $(...) it would be a fresh child's.
times >"$f"
cpu=$(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, p, "m"); sub("s", "", p[2]); t += p[1] * 60 + p[2] } printf "%d", t * 1e6 }' "$f")
rm -f "$f"
echo "$(( (e - s) / 1000 )) $cpu"
SH
chmod +x "$work/inner"

# measure MODE CMD...: prints "inner_us inner_cpu_us total_us" for one run.
measure() {
	local mode="$1"; shift
	local s e inner
	s=$(date +%s%N)
	case "$mode" in
	bare) inner=$("$work/inner" "$@") ;;
	spoc) inner=$("$work/spoc" record -n -o "$work/p.yaml" "$work/inner" "$@" 2>"$work/spoc.log") ;;
	strace) inner=$(strace -f -qq -o /dev/null "$work/inner" "$@") ;;
	esac
	e=$(date +%s%N)
	if [ -z "$inner" ]; then
		echo "$mode run of $* printed no time:" >&2
		cat "$work/spoc.log" >&2 2>/dev/null || true
		return 1
	fi
	echo "$inner $(((e - s) / 1000))"
}

bench() {
	local name="$1"; shift
	local rounds="" foil="" bare spoc
	# Warm the page cache first.
	"$@" >/dev/null
	for i in $(seq "$RUNS"); do
		bare=$(measure bare "$@")
		spoc=$(measure spoc "$@")
		rounds+="$bare $spoc"$'\n'
		if [ "$i" -le "$STRACE_RUNS" ]; then
			foil+="$bare $(measure strace "$@")"$'\n'
		fi
	done
	# Columns: bare inner, CPU and total, then traced inner, CPU and total.
	printf '%s' "$rounds" | awk '{print $1, $4}' | ab_line "$name, inner (steady state)" bare "spoc record"
	printf '%s' "$rounds" | awk '{print $2, $5}' | ab_line "$name, inner CPU time (user+sys)" bare "spoc record"
	printf '%s' "$rounds" | awk '{print $3, $6}' | ab_line "$name, whole process" bare "spoc record"
	[ -n "$foil" ] || return 0
	printf '%s' "$foil" | awk '{print $1, $4}' | ab_line "$name, inner, foil" bare "strace -f"
	printf '%s' "$foil" | awk '{print $3, $6}' | ab_line "$name, whole process, foil" bare "strace -f"
}

echo "spoc recording overhead, $RUNS alternating rounds (strace -f: $STRACE_RUNS) $(load_note)"
fixed=""
for _ in $(seq "$RUNS"); do
	fixed+="$(time_us "$work/spoc" record -n -o "$work/p.yaml" true 2>/dev/null)"$'\n'
done
printf '%s' "$fixed" | series_line "spoc record true, whole process (fixed cost: BPF load, self-test, profile write)"
# WORKLOADS picks some of: getpid find tar.
for w in ${WORKLOADS:-getpid find tar}; do
	case "$w" in
	getpid) bench "getpid ×2M" "$work/getpid" ;;
	find) bench "find /usr" find /usr ;;
	# GNU tar skips reading files when it writes to /dev/null: pipe it.
	tar) bench "tar -c /usr/share | cat" sh -c 'tar -cf - -C /usr share | cat' ;;
	esac
done
