package audit

import (
	"runtime"
	"strings"
	"testing"
)

func TestAllocations(t *testing.T) {
	for _, tc := range []struct {
		name string
		max  float64
		fn   func()
	}{
		{"line seccomp", 0, func() { _, _ = ParseLine(seccompLog) }},
		{"line AVC", 1, func() { _, _ = ParseLine(avcLog) }},
		{"netlink seccomp", 1, func() { _, _ = ParseNetlink(TypeSeccomp, []byte(seccompNL)) }},
	} {
		if n := testing.AllocsPerRun(100, tc.fn); n > tc.max {
			t.Errorf("%s: %v allocations, want at most %v", tc.name, n, tc.max)
		}
	}
}

// TestAllocatedBytes checks that input made to allocate (long hex values,
// many permissions) allocates no more than a few times its size.
func TestAllocatedBytes(t *testing.T) {
	hexExe := strings.Replace(seccompNL, `exe="/usr/sbin/nginx"`, "exe="+strings.Repeat("41", 3900), 1)
	perms := strings.Replace(avcNL, "getattr open read", strings.TrimSpace(strings.Repeat("a ", maxPerms)), 1)
	for _, tc := range []struct {
		msgType uint16
		payload string
	}{{TypeSeccomp, hexExe}, {TypeAVC, perms}} {
		payload := []byte(tc.payload)
		if _, err := ParseNetlink(tc.msgType, payload); err != nil {
			t.Fatal(err)
		}
		const runs = 100
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range runs {
			_, _ = ParseNetlink(tc.msgType, payload)
		}
		runtime.ReadMemStats(&after)
		perRun := (after.TotalAlloc - before.TotalAlloc) / runs
		if perRun > uint64(4*len(payload)) {
			t.Errorf("%d-byte payload: %d bytes allocated per parse", len(payload), perRun)
		}
	}
}

func BenchmarkParseNetlink(b *testing.B) {
	payload := []byte(seccompNL)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseNetlink(TypeSeccomp, payload); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseLine(b *testing.B) {
	for _, bc := range []struct{ name, line string }{
		{"syslog-seccomp", "Mar  3 09:15:01 node-1 kernel: [ 4521.000123] " + armKern},
		{"auditlog-avc", avcLog},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.line)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseLine(bc.line); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
