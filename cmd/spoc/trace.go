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

// progressInterval is how often spoc record prints a progress line.
const progressInterval = 5 * time.Second

type recorded = recorder.Result

// recordCommand loads the recorder, runs the command registered from its
// first instruction, waits for it and all its descendants (with
// --no-proc-start, for a signal too), and returns what they did and the
// command's exit code.
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
	var tick <-chan time.Time
	if !opts.quiet {
		t := time.NewTicker(progressInterval)
		defer t.Stop()
		tick = t.C
	}
	w := treeWait{pid: pid, rec: rec, logger: logger, untilSignal: opts.noProcStart}
	status := w.wait(sigs, tick)
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

// treeWait is the state of waiting for a recorded process tree.
type treeWait struct {
	pid    int
	rec    *recorder.Recording
	logger *log.Logger
	// untilSignal keeps recording after the tree is gone, until SIGINT or
	// SIGTERM (--no-proc-start).
	untilSignal bool

	status    int
	mainAlive bool
	// deadline is set once a signal was forwarded to the command.
	deadline <-chan time.Time
}

// wait waits for pid and all descendants (with untilSignal, for a signal
// too) and returns pid's exit code. SIGINT and SIGTERM are forwarded;
// after killGrace, or on a second signal, every process still followed is
// killed. Each tick prints a progress line.
func (w *treeWait) wait(sigs <-chan os.Signal, tick <-chan time.Time) int {
	exits := make(chan reaped)
	go reapAll(exits)
	w.status, w.mainAlive = exitFailed, true
	start := time.Now()
	for {
		select {
		case r, ok := <-exits:
			if ok {
				if r.pid == w.pid {
					w.status, w.mainAlive = exitCode(r.status), false
				}
				continue
			}
			if !w.untilSignal || w.deadline != nil {
				return w.status
			}
			w.logger.Print("All processes exited; still recording until SIGINT or SIGTERM")
			exits = nil
		case sig := <-sigs:
			if exits == nil {
				w.logger.Printf("Received %v, stopping the recording", sig)
				return w.status
			}
			w.forward(sig.(syscall.Signal))
		case <-w.deadline:
			w.logger.Printf("Command did not stop within %v, killing it", killGrace)
			killAll(w.pid, w.mainAlive, w.rec, syscall.SIGKILL)
		case now := <-tick:
			printProgress(now.Sub(start), w.rec)
		}
	}
}

// forward passes the first SIGINT or SIGTERM on to the command and kills
// everything on the second.
func (w *treeWait) forward(sig syscall.Signal) {
	if w.deadline != nil {
		killAll(w.pid, w.mainAlive, w.rec, syscall.SIGKILL)
		return
	}
	w.logger.Printf("Received %v, stopping the command", sig)
	killAll(w.pid, w.mainAlive, w.rec, sig)
	w.deadline = time.After(killGrace)
}

// printProgress prints the progress line of a long recording. Reading
// the recording copies one small per-CPU map value, so it is cheap.
func printProgress(elapsed time.Duration, rec *recorder.Recording) {
	secs := int(elapsed.Round(time.Second) / time.Second)
	res, err := rec.Syscalls()
	if err != nil {
		fmt.Fprintf(os.Stderr, "spoc: recording: %d s\n", secs)
		return
	}
	fmt.Fprintf(os.Stderr, "spoc: recording: %d s, %d syscalls so far\n", secs, len(res.IDs))
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
