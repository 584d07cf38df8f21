package apparmor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"
)

// Output bounds. Names of a policy fit easily in stdoutLimit (one that
// does not is refused as declaring too many profiles); the parser's first
// error is what matters, and messageLimit keeps it readable in a status.
const (
	stdoutLimit  = 64 << 10
	stderrLimit  = 8 << 10
	messageLimit = 1 << 10
)

// parserSlots bounds concurrent parser processes in this process: each
// compiles a policy of up to 1 MiB, and a burst of profiles must not fork
// a parser per profile on a manager with a small memory limit.
var parserSlots = make(chan struct{}, 2)

// parserCandidates are tried when apparmor_parser is not on PATH (a
// minimal image may set PATH without sbin directories).
var parserCandidates = []string{"/usr/sbin/apparmor_parser", "/sbin/apparmor_parser"}

// findParser returns the parser to run: configured, on PATH, or in sbin.
func findParser(configured string) (string, error) {
	if configured != "" {
		return configured, nil
	}
	if p, err := exec.LookPath("apparmor_parser"); err == nil {
		return p, nil
	}
	for _, p := range parserCandidates {
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", errors.New("apparmor_parser not found on PATH or in /usr/sbin, /sbin")
}

// parserFailed is a parser run that ended with a non-zero exit status.
type parserFailed struct {
	status int
	stderr string
}

func (e *parserFailed) Error() string {
	if e.stderr == "" {
		return fmt.Sprintf("apparmor_parser exited with status %d", e.status)
	}
	return fmt.Sprintf("apparmor_parser exited with status %d: %s", e.status, e.stderr)
}

// runParser runs the parser with args and input on stdin, in dir, and
// returns its bounded stdout. A run that exits non-zero returns a
// *parserFailed with the bounded, cleaned stderr; anything else (not
// started, killed, timed out) is a plain error.
//
// No shell is involved, and the environment is empty but for the C
// locale, so messages are stable. The parser forks compile workers, so it
// runs in its own process group and a timeout kills the whole group.
func runParser(ctx context.Context, parser string, args []string, input, dir string, timeout time.Duration) (string, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	select {
	case parserSlots <- struct{}{}:
		defer func() { <-parserSlots }()
	case <-ctx.Done():
		return "", fmt.Errorf("wait for a parser slot: %w", ctx.Err())
	}
	stdout := &boundedBuffer{limit: stdoutLimit}
	stderr := &boundedBuffer{limit: stderrLimit}
	cmd := exec.CommandContext(ctx, parser, args...)
	cmd.Stdin = strings.NewReader(input)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.Dir = dir
	cmd.Env = []string{"LC_ALL=C"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		return "", fmt.Errorf("apparmor_parser did not finish within %s: %w", timeout, ctx.Err())
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.Exited() {
		return "", &parserFailed{status: exit.ExitCode(), stderr: cleanMessage(stderr.String(), messageLimit)}
	}
	if err != nil {
		return "", fmt.Errorf("run %s: %w", parser, err)
	}
	if stdout.truncated {
		return "", fmt.Errorf("apparmor_parser wrote more than %d bytes", stdoutLimit)
	}
	return stdout.String(), nil
}

// boundedBuffer keeps the first limit bytes written to it and drops the
// rest, so a chatty parser cannot grow our memory.
type boundedBuffer struct {
	bytes.Buffer
	limit     int
	truncated bool
}

func (b *boundedBuffer) Write(p []byte) (int, error) {
	if room := b.limit - b.Len(); room < len(p) {
		b.truncated = true
		if room > 0 {
			b.Buffer.Write(p[:room])
		}
		return len(p), nil
	}
	return b.Buffer.Write(p)
}

// cleanMessage makes parser output fit a status message: valid UTF-8,
// no control characters but newlines and tabs, trimmed, at most limit
// bytes.
func cleanMessage(s string, limit int) string {
	s = strings.ToValidUTF8(s, "?")
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || !unicode.IsControl(r) {
			return r
		}
		return -1
	}, s)
	s = strings.TrimSpace(s)
	if len(s) <= limit {
		return s
	}
	cut := limit - len("...")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
