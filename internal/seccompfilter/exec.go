package seccompfilter

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/securityprofiles/operator/internal/seccomp"
)

// Exec replaces the calling process with the program at path, running
// under p. It only returns on error.
//
// Like runc, it installs the filter as late as possible, right before
// execve, so the profile must allow execve (checked up front). The filter
// goes on the calling thread only (no TSYNC): the Go runtime's other
// threads stay unfiltered until execve ends them, so nothing the runtime
// does in the background can be denied. Between installing the filter and
// execve this thread makes at most one more syscall, prlimit64, with which
// Go restores the RLIMIT_NOFILE soft limit it raised at start; if the
// profile denies it the command inherits the raised limit. no_new_privs is
// set, as seccomp requires without CAP_SYS_ADMIN.
//
// The filtered thread must not enter the scheduler before execve: waking
// another thread is a futex call, which a profile may deny, and the
// runtime dies of it. A goroutine is asked to yield when it has run for
// 10 ms (compiling the filter can take longer) or when a GC cycle starts,
// and yields at its next function call, such as syscall.Exec's. So Exec
// yields just before installing the filter, for a fresh time slice, and
// lets no GC cycle start until execve.
func Exec(p seccomp.Profile, path string, argv, env []string) error {
	prog, err := compile(p)
	if err != nil {
		return err
	}
	if slices.Contains(seccomp.Actions(p), seccomp.ActionNotify) {
		// Loaded without a listener, the kernel fails every notified call
		// with ENOSYS: not what the profile means.
		return errors.New("the profile uses SCMP_ACT_NOTIFY, which needs the runtime's seccomp agent at its listenerPath")
	}
	if !seccomp.AllowsUnconditionally(p, "execve") {
		return errors.New("the profile does not allow execve, which is needed to start the command (as with runc)")
	}
	flags := uintptr(0)
	for _, f := range p.Flags {
		switch f {
		case "SECCOMP_FILTER_FLAG_LOG":
			flags |= unix.SECCOMP_FILTER_FLAG_LOG
		case "SECCOMP_FILTER_FLAG_SPEC_ALLOW":
			flags |= unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW
		}
	}
	runtime.LockOSThread()
	if _, _, e := unix.RawSyscall(unix.SYS_PRCTL, unix.PR_SET_NO_NEW_PRIVS, 1, 0); e != 0 {
		runtime.UnlockOSThread()
		return fmt.Errorf("set no_new_privs: %w", e)
	}
	gcPercent := debug.SetGCPercent(-1)
	runtime.Gosched()
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	if _, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, flags, uintptr(unsafe.Pointer(&fprog))); e != 0 {
		debug.SetGCPercent(gcPercent)
		runtime.UnlockOSThread()
		return fmt.Errorf("install seccomp filter: %w", e)
	}
	err = syscall.Exec(path, argv, env)
	failFiltered(path, err)
	return err
}

// failFiltered reports a failed execve from the filtered thread and exits
// with the shell's codes (127 not found, 126 otherwise). Only raw write
// and exit_group are used: the Go runtime's usual paths might need
// syscalls the profile denies.
func failFiltered(path string, err error) {
	msg := []byte(fmt.Sprintf("spoc: exec %s: %v\n", path, err))
	_, _, _ = unix.RawSyscall(unix.SYS_WRITE, 2, uintptr(unsafe.Pointer(&msg[0])), uintptr(len(msg)))
	code := uintptr(126)
	if errors.Is(err, syscall.ENOENT) {
		code = 127
	}
	_, _, _ = unix.RawSyscall(unix.SYS_EXIT_GROUP, code, 0, 0)
}

// compile builds p with libseccomp and exports the classic BPF program
// the kernel loads. libseccomp 2.5 can only export to a file descriptor.
func compile(p seccomp.Profile) ([]unix.SockFilter, error) {
	f, err := Build(p)
	if err != nil {
		return nil, err
	}
	defer f.Release()
	tmp, err := os.CreateTemp("", "spoc-filter-*")
	if err != nil {
		return nil, fmt.Errorf("export seccomp filter: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if err := f.ExportBPF(tmp); err != nil {
		return nil, fmt.Errorf("export seccomp filter: %w", err)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("export seccomp filter: %w", err)
	}
	raw, err := io.ReadAll(tmp)
	if err != nil {
		return nil, fmt.Errorf("export seccomp filter: %w", err)
	}
	const insnSize = int(unsafe.Sizeof(unix.SockFilter{}))
	if len(raw) == 0 || len(raw)%insnSize != 0 || len(raw)/insnSize > 0xffff {
		return nil, fmt.Errorf("export seccomp filter: unexpected size %d", len(raw))
	}
	prog := make([]unix.SockFilter, len(raw)/insnSize)
	copy(unsafe.Slice((*byte)(unsafe.Pointer(&prog[0])), len(raw)), raw)
	return prog, nil
}
