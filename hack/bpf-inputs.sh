#!/usr/bin/env bash
# hack/bpf-inputs.sh CLANG_FLAGS...: prints what recorder/bpf/recorder.bpf.o
# is built from, which `make bpf` keeps next to it as recorder.bpf.o.inputs:
# the compiler, and the SHA-256 of every file clang reads for the object
# with these flags (the C source, vmlinux.h, libbpf's headers), as clang -M
# lists them. hack/verify-bpf.sh reads it. Run from the repository root.
set -euo pipefail
echo "# What recorder.bpf.o was built from: written by make bpf (hack/bpf-inputs.sh), read by make verify."
echo "clang: $(clang --version | head -n 1)"
# clang -M prints "target: dep dep \" continued over lines.
clang "$@" -M recorder/bpf/recorder.bpf.c | sed -e 's/^[^:]*://' -e 's/\\$//' | tr -s ' \t' '\n\n' | sed '/^$/d' |
	xargs sha256sum
