//go:build !no_bpf

package recorder

import (
	"strings"
	"sync"

	bpf "github.com/aquasecurity/libbpfgo"
)

// libbpfLog keeps libbpf's last warnings so that a failed load can say
// why (verifier or CO-RE messages) instead of only returning an errno.
// libbpf's logger is process-global, hence a package-level buffer.
var libbpfLog = &logTail{max: 8}

var installLogger = sync.OnceFunc(func() {
	bpf.SetLoggerCbs(bpf.Callbacks{
		Log: func(level int, msg string) {
			if level <= bpf.LibbpfWarnLevel {
				libbpfLog.add(msg)
			}
		},
	})
})

// logTail is a bounded buffer of the most recent log lines.
type logTail struct {
	mu    sync.Mutex
	max   int
	lines []string
}

func (l *logTail) add(msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range strings.Split(strings.TrimSpace(msg), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			l.lines = append(l.lines, line)
		}
	}
	if n := len(l.lines); n > l.max {
		l.lines = l.lines[n-l.max:]
	}
}

// take returns the buffered lines joined on one line and clears them.
func (l *logTail) take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := strings.Join(l.lines, "; ")
	l.lines = nil
	return s
}
