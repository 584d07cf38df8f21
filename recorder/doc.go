// Package recorder records which syscalls a process tree or a mount
// namespace makes, with a CO-RE eBPF program attached to the raw
// tracepoints sys_enter, sched_process_fork and sched_process_exit.
//
// The hot path is O(1) and sends nothing to user space: for every syscall
// the BPF program looks up the calling task (or its mount namespace) and
// sets the syscall's bit in the recording's per-CPU bitmap. User space reads
// and merges the bitmaps when a recording ends.
//
// The BPF object (bpf/recorder.bpf.o) is built by `make bpf` from
// bpf/recorder.bpf.c and bpf/vmlinux.h, a dump of one kernel's BTF
// (`make vmlinux` takes the running kernel's). Both are committed: the
// 54 kB object so that `go build ./...` works without clang, and the 3 MB
// header so that the object is the same on every machine, whatever its
// kernel, and `make verify` can rebuild it and compare the bytes (see
// hack/verify-bpf.sh); bpf/recorder.bpf.o.inputs names the hashes of what
// it was built from. CO-RE relocations make the object load on any kernel
// with BTF, not only the one the header came from. The object is embedded and written to a temporary file at
// load, because libbpfgo only skips its RLIMIT_MEMLOCK bump (which needs
// CAP_SYS_RESOURCE) when loading from a file.
//
// Building with the tag no_bpf leaves the recorder out; Load then returns
// ErrNotBuilt.
package recorder
