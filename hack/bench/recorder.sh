#!/usr/bin/env bash
# Cost of the eBPF recorder's container capture to a getpid-heavy loop:
# recorded as a container, and as a host process that is not recorded
# while capture runs, each against the same loop with capture off, in
# alternating rounds (the median of per-round ratios, as hack/bench/lib.sh
# prints them). Needs root and kernel BTF. Prints numbers only.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
source hack/bench/lib.sh
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
source hack/cgo-env.sh
cat >"$work/getpid.c" <<'C'
#include <sys/syscall.h>
#include <unistd.h>
int main(void)
{
	for (long i = 0; i < 2000000; i++)
		syscall(SYS_getpid);
	return 0;
}
C
cc -O2 -o "$work/getpid" "$work/getpid.c"
go build -o "$work/recorder" ./hack/bench/recorder
echo "eBPF recorder overhead $(load_note)"
"$work/recorder" -loop "$work/getpid" -rounds "${ROUNDS:-9}"
