package enricher

import (
	"testing"

	"github.com/go-logr/logr"

	"github.com/securityprofiles/operator/internal/audit"
)

// FuzzHandle feeds arbitrary records through parsing, attribution,
// naming, logging and counting: nothing may panic (Prometheus panics on
// invalid label values, for one), whatever a process put in its record.
func FuzzHandle(f *testing.F) {
	f.Add(uint16(0), seccompLine(pidWeb, `"/usr/sbin/nginx"`, 50).text)
	f.Add(audit.TypeSeccomp, seccompNetlink(pidBatch, "2F746D702FFE", 1<<31-1).text)
	f.Add(uint16(0), avcSyslog)
	f.Add(audit.TypeAVC, "audit(1.2:3): avc:  denied  { read } for  pid=4500 comm=\"a\" scontext=a:b:c:s0 tcontext=\xff:b:c:s0 tclass=file permissive=1")
	f.Add(uint16(0), seccompLine(pidHost, `"/x"`, 0x40000000).text)
	proc := testProc(f)
	sink := &recordingSink{}
	e, err := New("node-fuzz", proc, resolver, sink, logr.Discard())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, msgType uint16, text string) {
		e.handle(msgType, []byte(text))
		sink.calls = sink.calls[:0]
	})
}
