#!/usr/bin/env bash
# Source this file (`source hack/cgo-env.sh`) before `go build`, `go vet` or
# `go test` of the whole tree. It links libbpf statically: the recorder
# needs libbpf >= 1.4 (bookworm-backports libbpf-dev), and linking its .a
# means the binaries do not depend on which libbpf.so a node has.
export CGO_ENABLED=1
export CGO_CFLAGS="-I/usr/include"
export CGO_LDFLAGS="/usr/lib/x86_64-linux-gnu/libbpf.a -lelf -lz"
