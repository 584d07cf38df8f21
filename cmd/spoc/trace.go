package main

import (
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/securityprofiles/operator/recorder"
)

// killGrace is how long the command may take to exit after spoc forwarded
// SIGINT or SIGTERM, before spoc kills every process it follows.
const killGrace = 3 * time.Second

type recorded = recorder.Result

// recordCommand loads the recorder, runs the command registered from its
// first instruction, waits for it and all its descendants, and returns
// what they did and the command's exit code.
func recordCommand(opts recordOptions, logger *log.Logger) (recorded, int, error) {
	logger.Print("Loading bpf module")
	r, err := recorder.Load()
	if err != nil {
		return recorded{}, 0, err
	}
	defer func() {
		logger.Print("Unloading bpf module")
		_ = r.Close()
	}()
	rec, err := r.Start()
	if err != nil {
		return recorded{}, 0, err
	}
	defer rec.Stop()

	// Orphaned descendants are reparented to spoc instead of init, so spoc
	// can wait until the last of them exits before reading the recording.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return recorded{}, 0, fmt.Errorf("become child subreaper: %w", err)
	}
	// Catch the signals before the child exists, so a Ctrl-C can never
	// kill spoc and lose the recording.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)

	attr := &syscall.ProcAttr{Env: os.Environ(), Files: []uintptr{0, 1, 2}}
	pid, err := recorder.Exec(rec, opts.fullPath, opts.command, attr)
	if err != nil {
		return recorded{}, 0, err
	}
	logger.Printf("Running command with PID: %d", pid)
	status := waitTree(pid, sigs, rec, logger)
	res, err := rec.Syscalls()
	return res, status, err
}

// reaped is one descendant that exited.
type reaped struct {
	pid    int
	status syscall.WaitStatus
}

// reapAll waits for every child, including orphans reparented to spoc,
// and closes the channel when none is left.
func reapAll(out chan<- reaped) {
	defer close(out)
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, 0, nil)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return
		}
		out <- reaped{pid, ws}
	}
}

// waitTree waits for pid and all descendants and returns pid's exit code.
// SIGINT and SIGTERM are forwarded; after killGrace, or on a second
// signal, every process still followed is killed.
func waitTree(pid int, sigs <-chan os.Signal, rec *recorder.Recording, logger *log.Logger) int {
	exits := make(chan reaped)
	go reapAll(exits)
	status, mainAlive := exitFailed, true
	var deadline <-chan time.Time
	for {
		select {
		case r, ok := <-exits:
			if !ok {
				return status
			}
			if r.pid == pid {
				status, mainAlive = exitCode(r.status), false
			}
		case sig := <-sigs:
			if deadline != nil {
				killAll(pid, mainAlive, rec, syscall.SIGKILL)
				continue
			}
			logger.Printf("Received %v, stopping the command", sig)
			killAll(pid, mainAlive, rec, sig.(syscall.Signal))
			deadline = time.After(killGrace)
		case <-deadline:
			logger.Printf("Command did not stop within %v, killing it", killGrace)
			killAll(pid, mainAlive, rec, syscall.SIGKILL)
		}
	}
}

// killAll signals the command, or once it is gone every task the
// recording still follows (background descendants).
func killAll(pid int, mainAlive bool, rec *recorder.Recording, sig syscall.Signal) {
	if mainAlive {
		_ = syscall.Kill(pid, sig)
		if sig != syscall.SIGKILL {
			return
		}
	}
	tasks, _ := rec.Tasks()
	for _, t := range tasks {
		_ = syscall.Kill(t, sig)
	}
}

// exitCode turns a wait status into a shell-style exit code.
func exitCode(ws syscall.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}
