package enricher

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/securityprofiles/operator/internal/audit"
)

// mapResolver resolves container IDs from a map.
type mapResolver map[string]Container

func (m mapResolver) Container(id string) (Container, bool) {
	c, ok := m[id]
	return c, ok
}

// sinkCall is one call of a recordingSink.
type sinkCall struct {
	c       Container
	r       audit.Record
	syscall string
}

// recordingSink keeps what it receives, optionally only for one pid.
type recordingSink struct {
	mu    sync.Mutex
	pid   int
	calls []sinkCall
}

func (s *recordingSink) Audit(c Container, r audit.Record, syscallName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pid == 0 || r.PID == s.pid {
		s.calls = append(s.calls, sinkCall{c, r, syscallName})
	}
}

func (s *recordingSink) snapshot() []sinkCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sinkCall(nil), s.calls...)
}

// logLines captures log lines as funcr formats them.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) logger(verbosity int) logr.Logger {
	return funcr.New(func(prefix, args string) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.lines = append(l.lines, args)
	}, funcr.Options{Verbosity: verbosity})
}

func (l *logLines) matching(substr string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range l.lines {
		if strings.Contains(line, substr) {
			out = append(out, line)
		}
	}
	return out
}

// fakeProc writes <dir>/<pid>/cgroup files.
func fakeProc(t testing.TB, dir string, pid int, content string) {
	t.Helper()
	p := filepath.Join(dir, fmt.Sprint(pid))
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p, "cgroup"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// containerCgroup is a cgroup v2 file of a containerd container (systemd
// driver).
func containerCgroup(id string) string {
	return "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1234.slice/cri-containerd-" + id + ".scope\n"
}

// sliceSource replays records, then reports errEnd.
type sliceSource struct {
	records []rawRecord
	i       int
}

type rawRecord struct {
	msgType uint16
	text    string
	err     error
}

var errEnd = fmt.Errorf("end of test records")

func (s *sliceSource) Next(ctx context.Context) (uint16, []byte, error) {
	if err := ctx.Err(); err != nil {
		return 0, nil, err
	}
	if s.i == len(s.records) {
		return 0, nil, errEnd
	}
	r := s.records[s.i]
	s.i++
	return r.msgType, []byte(r.text), r.err
}

func (s *sliceSource) Name() string { return "test" }
func (s *sliceSource) Close() error { return nil }

// value reads a counter (testutil would need a module this repo lacks).
func value(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		panic(err)
	}
	return m.GetCounter().GetValue()
}

var nodeSeq atomic.Int64

// uniqueNode returns a node name no earlier test used: the counters are
// global, and -count=N reruns tests in one process.
func uniqueNode(base string) string { return fmt.Sprintf("%s-%d", base, nodeSeq.Add(1)) }
