package enricher

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"testing"

	"github.com/go-logr/logr"

	"github.com/securityprofiles/operator/internal/audit"
	"github.com/securityprofiles/operator/internal/logging"
)

// benchRecords are netlink payloads as the kernel sends them: a container
// starting up, with a handful of syscalls.
func benchRecords() []rawRecord {
	var out []rawRecord
	for i, nr := range []int{0, 1, 3, 9, 12, 50, 202, 257} {
		r := seccompNetlink(pidWeb, `"/usr/sbin/nginx"`, nr)
		r.text = fmt.Sprintf("audit(1712000000.%03d:%d): ", i, 1000+i) + seccompBody(pidWeb, `"/usr/sbin/nginx"`, nr)
		out = append(out, r)
	}
	return out
}

// BenchmarkEnricher measures records parsed, attributed and counted per
// second on one core with warm caches. "discard" is the pipeline alone;
// "zap" adds the daemon's JSON logger writing the audit line.
func BenchmarkEnricher(b *testing.B) {
	for _, bc := range []struct {
		name string
		log  logr.Logger
	}{
		{"discard", logr.Discard()},
		{"zap", logging.New(io.Discard, 0)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			e, err := New("node-bench", testProc(b), resolver, nil, bc.log)
			if err != nil {
				b.Fatal(err)
			}
			records := benchRecords()
			texts := make([][]byte, len(records))
			for i, r := range records {
				texts[i] = []byte(r.text)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				e.handle(audit.TypeSeccomp, texts[i%len(texts)])
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// burstPIDs is how many fake processes the burst spreads over: more than
// the pid cache holds.
const burstPIDs = pidCacheSize + pidCacheSize/4

// BenchmarkBurstMemory feeds a burst of 1M records from ever other pids,
// with new executables and syscall numbers (the worst case for every
// cache and label set), and reports the heap in use afterwards: it is
// bounded by the cache and series limits, not by the burst.
func BenchmarkBurstMemory(b *testing.B) {
	const burst = 1_000_000
	proc := b.TempDir()
	for pid := 1; pid <= burstPIDs; pid++ {
		fakeProc(b, proc, pid, containerCgroup(idWeb))
	}
	heap := func() float64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return float64(ms.HeapInuse) / (1 << 20)
	}
	before := heap()
	for b.Loop() {
		e, err := New("node-burst", proc, resolver, nil, logr.Discard())
		if err != nil {
			b.Fatal(err)
		}
		src := &burstSource{n: burst / 2}
		_ = e.Run(context.Background(), src)
		half := heap()
		src.n = burst
		_ = e.Run(context.Background(), src)
		b.ReportMetric(before, "heapBefore-MiB")
		b.ReportMetric(half, "heapAfterHalf-MiB")
		b.ReportMetric(heap(), "heapAfter-MiB")
		b.ReportMetric(float64(len(e.pids.entries)), "pidEntries")
		b.ReportMetric(float64(len(e.names.names)), "nameEntries")
		b.ReportMetric(float64(len(e.seccomp.m)), "cachedSeries")
		runtime.KeepAlive(e)
	}
}

// burstSource makes n distinct records, then ends.
type burstSource struct {
	n, i int
	buf  []byte
}

func (s *burstSource) Next(context.Context) (uint16, []byte, error) {
	if s.i == s.n {
		return 0, nil, errEnd
	}
	s.i++
	pid := 1 + s.i%burstPIDs
	s.buf = fmt.Appendf(s.buf[:0], "audit(1712000000.000:%d): ", s.i)
	s.buf = append(s.buf, seccompBody(pid, fmt.Sprintf(`"/bin/x%d"`, s.i), s.i)...)
	return audit.TypeSeccomp, s.buf, nil
}

func (s *burstSource) Name() string { return "burst" }
func (s *burstSource) Close() error { return nil }
