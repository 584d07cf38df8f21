#!/usr/bin/env bash
# hack/verify-bpf.sh COPY: the BPF part of make verify. recorder.bpf.o is
# committed, so that `go build` needs neither clang nor bpftool, and can
# drift from recorder.bpf.c. COPY is a copy of the tree (verify.sh makes
# one) that `make bpf` may rebuild in.
#
# 1. recorder.bpf.o.inputs (written by make bpf) must name the SHA-256 of
#    the committed recorder.bpf.c and vmlinux.h: checked on any machine,
#    without tools.
# 2. The object is rebuilt in COPY, and must be byte for byte the committed
#    one when the rebuild's inputs are the committed ones. The build is
#    reproducible (llvm-strip -g drops the DWARF, -fdebug-prefix-map the
#    absolute paths) and vmlinux.h is committed, so the kernel the machine
#    runs does not matter. Where clang or libbpf's headers differ from the
#    ones the stamp names, the bytes are not compared: that is reported,
#    and is a failure under CI=true, where a skip must not hide drift.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
copy="${1:?usage: hack/verify-bpf.sh COPY}"
dir=recorder/bpf
stamp="$dir/recorder.bpf.o.inputs"

fail() {
	echo "verify: $*" >&2
	exit 1
}
# notCompared ends the check without comparing bytes, or fails under CI.
notCompared() {
	[ "${CI:-}" != true ] || fail "$* (a failure under CI=true)"
	echo "verify: $*: recorder.bpf.o not compared with a rebuild" >&2
	exit 0
}

[ -f "$stamp" ] || fail "$stamp is missing: run make bpf and commit it"
for input in recorder.bpf.c vmlinux.h; do
	built="$(awk -v f="$dir/$input" '$2 == f {print $1}' "$stamp")"
	committed="$(sha256sum "$dir/$input" | cut -d' ' -f1)"
	[ "$built" = "$committed" ] ||
		fail "recorder.bpf.o was built from another $input: run make bpf and commit recorder.bpf.o and $stamp"
done

for tool in clang llvm-strip; do
	command -v "$tool" >/dev/null || notCompared "no $tool"
done
make -C "$copy" --no-print-directory bpf >/dev/null
diff -u "$stamp" "$copy/$stamp" >&2 ||
	notCompared "this machine builds recorder.bpf.o from other inputs (see the diff above)"
cmp -s "$dir/recorder.bpf.o" "$copy/$dir/recorder.bpf.o" ||
	fail "recorder.bpf.o differs from a rebuild from the same inputs: run make bpf and commit it"
