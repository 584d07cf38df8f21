package recorder

import "errors"

// ErrNotBuilt is returned by Load when the binary was built with the
// no_bpf tag.
var ErrNotBuilt = errors.New("built without eBPF (no_bpf build tag): syscall recording is unavailable")

// MaxRecordings is how many recordings can run at the same time in one
// Recorder. It matches MAX_RECORDINGS in bpf/recorder.bpf.c.
const MaxRecordings = 256

// MaxContainers is how many mount namespaces container capture records at
// once, MAX_CONTAINERS in bpf/recorder.bpf.c. More are counted as lost.
const MaxContainers = 8192

// maxSyscalls is the size of a recording's bitmap, MAX_SYSCALLS in the C
// source.
const maxSyscalls = 1024

// Result is what a recording saw.
type Result struct {
	// IDs are the syscall numbers (native architecture) seen, ascending.
	IDs []uint32
	// OutOfRange counts syscalls whose number did not fit the bitmap, such
	// as x32 syscalls. They are not in IDs.
	OutOfRange uint64
	// LostTasks counts child tasks that could not be followed because the
	// kernel's task map was full; their syscalls may be missing.
	LostTasks uint64
}

// Complete reports whether the recording is known to have missed nothing.
func (r Result) Complete() bool {
	return r.OutOfRange == 0 && r.LostTasks == 0
}
