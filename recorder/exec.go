package recorder

import (
	"fmt"
	"runtime"
	"syscall"
)

// Tracker is what Exec registers a new process with; *Recording
// implements it.
type Tracker interface {
	TrackPID(pid int) error
}

// Exec starts the program at path with argv so that not one of its syscalls escapes
// the tracker, and returns its pid. The child starts under ptrace, so the
// kernel stops it with SIGTRAP right after its execve succeeds, before the
// new program's first instruction; Exec registers it then and detaches.
// The execve itself happens before registration and is never recorded:
// callers add it themselves.
//
// If attr.Sys is nil a new SysProcAttr is used; its Ptrace field is
// always set. The caller reaps the child (it is an ordinary child once
// detached). On error the child is killed and reaped.
func Exec(t Tracker, path string, argv []string, attr *syscall.ProcAttr) (int, error) {
	if attr.Sys == nil {
		attr.Sys = &syscall.SysProcAttr{}
	}
	attr.Sys.Ptrace = true
	// ptrace requests must come from the thread that forked the tracee.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()

	pid, err := syscall.ForkExec(path, argv, attr)
	if err != nil {
		return 0, fmt.Errorf("start %s: %w", path, err)
	}
	if err := waitExecStop(pid); err != nil {
		killAndReap(pid)
		return 0, err
	}
	if err := t.TrackPID(pid); err != nil {
		killAndReap(pid)
		return 0, err
	}
	if err := syscall.PtraceDetach(pid); err != nil {
		killAndReap(pid)
		return 0, fmt.Errorf("detach from %d: %w", pid, err)
	}
	return pid, nil
}

// waitExecStop waits for the SIGTRAP stop that PTRACE_TRACEME plus a
// successful execve produce.
func waitExecStop(pid int) error {
	var ws syscall.WaitStatus
	for {
		_, err := syscall.Wait4(pid, &ws, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("wait for %d to stop: %w", pid, err)
		}
		break
	}
	if !ws.Stopped() || ws.StopSignal() != syscall.SIGTRAP {
		return fmt.Errorf("process %d did not stop after execve (status %#x)", pid, uint32(ws))
	}
	return nil
}

func killAndReap(pid int) {
	_ = syscall.Kill(pid, syscall.SIGKILL)
	var ws syscall.WaitStatus
	_, _ = syscall.Wait4(pid, &ws, 0, nil)
}
