//go:build !no_bpf

package recorder

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"syscall"
)

// isNotExist reports a missing map key (or the end of a map walk).
func isNotExist(err error) bool {
	return errors.Is(err, syscall.ENOENT)
}

// selfTest records one syscall of the calling thread end to end. It fails
// when the programs are attached but see nothing, most often because this
// process runs in a PID namespace of its own: the BPF program sees task ids
// of the initial namespace, so ours would never match.
func (r *Recorder) selfTest() error {
	rec, err := r.Start()
	if err != nil {
		return fmt.Errorf("self-test: %w", err)
	}
	defer rec.Stop()

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	tid := syscall.Gettid()
	if err := rec.TrackPID(tid); err != nil {
		return fmt.Errorf("self-test: %w", err)
	}
	syscall.Getppid()
	res, err := rec.Syscalls()
	if err != nil {
		return fmt.Errorf("self-test: %w", err)
	}
	if !slices.Contains(res.IDs, uint32(syscall.SYS_GETPPID)) {
		return fmt.Errorf("self-test: the recorder saw no syscall of its own thread %d: "+
			"run it in the host PID namespace (hostPID), where task ids match the kernel's", tid)
	}
	return nil
}
