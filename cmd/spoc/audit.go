package main

import (
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"syscall"

	"github.com/securityprofiles/operator/internal/seccomp"
	"github.com/securityprofiles/operator/internal/seccompfilter"
)

// auditExecCommand is the hidden command that spoc run --audit
// re-executes spoc as, inside the new audit session: `spoc __audit-exec
// PATH ARGV...` reads a profile (OCI JSON) from file descriptor
// profileFD and execs PATH under it exactly as spoc run does.
const auditExecCommand = "__audit-exec"

// profileFD is the child's descriptor for the audit copy (a pipe, so
// nothing is left on disk whatever happens to spoc).
const profileFD = 3

// runAudit runs the command under the audit copy of p in a fresh audit
// session and reports the calls p would have denied. It returns the
// command's exit code.
func runAudit(p seccomp.Profile, path string, command []string, logger *log.Logger) int {
	js, err := auditProfile(p)
	if err != nil {
		return fail("run", exitFailed, "audit copy of the profile: %v", err)
	}
	if err := checkSeccompLogging(); err != nil {
		return fail("run", exitFailed, "%v", err)
	}
	sock, err := openAuditSocket(logger)
	if err != nil {
		return fail("run", exitFailed, "%v", err)
	}
	self, _ := os.Executable()

	// Catch the signals before the child exists, so they reach it and
	// spoc lives on to print what it saw.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	cmd, session, err := startAudited(path, command, js)
	if err != nil {
		_ = sock.Close()
		return fail("run", exitFailed, "%v", err)
	}
	logger.Printf("Running command with PID: %d in audit session %d", cmd.Process.Pid, session)

	recs := newSessionRecords(session, self)
	l := listen(sock, recs)
	status := waitForwarding(cmd, sigs, logger)
	cutOff, err := l.drain()
	l.stop()
	if err != nil {
		return fail("run", exitFailed, "%v", err)
	}
	report(os.Stderr, recs, sock.overflows, cutOff)
	return status
}

// auditProfile encodes the audit copy of p (see seccomp.AuditCopy).
func auditProfile(p seccomp.Profile) ([]byte, error) {
	audited := seccomp.AuditCopy(p)
	// Compile it here, so that a profile libseccomp rejects fails before
	// anything runs.
	f, err := seccompfilter.Build(audited)
	if err != nil {
		return nil, err
	}
	f.Release()
	return seccomp.EncodeOCI(audited)
}

// checkSeccompLogging fails when the kernel would not write the records
// an audit needs.
func checkSeccompLogging() error {
	const sysctl = "/proc/sys/kernel/seccomp/actions_logged"
	data, err := os.ReadFile(sysctl)
	if err != nil {
		return fmt.Errorf("kernel without seccomp logging: %w", err)
	}
	for _, a := range strings.Fields(string(data)) {
		if a == "log" {
			return nil
		}
	}
	return fmt.Errorf("the kernel does not log SCMP_ACT_LOG (%s is %q, add log), so nothing could be audited", sysctl, strings.TrimSpace(string(data)))
}

// startAudited starts spoc's hidden child, which installs the profile
// js and execs the command, in a fresh audit session that the command
// and all its descendants inherit, and returns the session id.
func startAudited(path string, command []string, js []byte) (*exec.Cmd, uint32, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, 0, err
	}
	defer r.Close()
	cmd := exec.Command("/proc/self/exe", append([]string{auditExecCommand, path}, command...)...)
	cmd.Args[0] = os.Args[0]
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.ExtraFiles = []*os.File{r}

	type started struct {
		session uint32
		err     error
	}
	done := make(chan started, 1)
	go func() {
		// The session id belongs to one thread, and os/exec forks from the
		// calling one. The thread is never unlocked: it ends with this
		// goroutine instead of running other goroutines in the session.
		runtime.LockOSThread()
		session, err := newAuditSession()
		if err == nil {
			err = cmd.Start()
		}
		done <- started{session, err}
	}()
	s := <-done
	if s.err != nil {
		w.Close()
		return nil, 0, s.err
	}
	go func() {
		// A child that failed early never reads; the write then fails
		// with EPIPE, and the child's own error tells why.
		_, _ = w.Write(js)
		w.Close()
	}()
	return cmd, s.session, nil
}

// waitForwarding waits for the command, passing SIGINT and SIGTERM on,
// and returns its exit code.
func waitForwarding(cmd *exec.Cmd, sigs <-chan os.Signal, logger *log.Logger) int {
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	for {
		select {
		case <-done:
			if cmd.ProcessState == nil {
				return exitFailed
			}
			return exitCode(cmd.ProcessState.Sys().(syscall.WaitStatus))
		case sig := <-sigs:
			logger.Printf("Received %v, passing it to the command", sig)
			_ = cmd.Process.Signal(sig)
		}
	}
}

// auditExec is the child side of spoc run --audit (auditExecCommand).
func auditExec(args []string, _ *log.Logger) int {
	if len(args) < 2 {
		return fail("run", exitUsage, "%s is internal to spoc run --audit", auditExecCommand)
	}
	f := os.NewFile(profileFD, "profile")
	data, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return fail("run", exitFailed, "read the audit copy of the profile: %v", err)
	}
	p, err := seccomp.DecodeOCI(data)
	if err != nil {
		return fail("run", exitFailed, "audit copy of the profile: %v", err)
	}
	err = seccompfilter.Exec(p, args[0], args[1:], os.Environ())
	return fail("run", exitFailed, "%v", err)
}
