package main

import (
	"bytes"
	"strings"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/securityprofiles/operator/internal/audit"
)

// seccompRecord is a record as the kernel multicasts it, for pid 4242 of
// session ses calling syscall nr on x86_64 with action code.
func seccompRecord(ses, exe, nr, code string) []byte {
	return []byte(`audit(1700000000.123:42): auid=0 uid=0 gid=0 ses=` + ses +
		` subj=unconfined pid=4242 comm="x" exe="` + exe + `" sig=0 arch=c000003e syscall=` + nr +
		` compat=0 ip=0x7f0000000000 code=` + code + "\x00")
}

func TestSessionOf(t *testing.T) {
	cases := []struct {
		name    string
		payload string
		want    uint32
		ok      bool
	}{
		{"record", string(seccompRecord("17", "/bin/x", "83", audit.ActionLogCode)), 17, true},
		{"unset", `audit(1.2:3): auid=4294967295 uid=0 gid=0 ses=4294967295 pid=1`, 4294967295, true},
		{"last field", `audit(1.2:3): auid=0 uid=0 gid=0 ses=9`, 9, true},
		// A process cannot forge ses= in comm or exe: the kernel's comes first.
		{"first wins", `audit(1.2:3): auid=0 uid=0 gid=0 ses=5 pid=1 comm="a ses=6"`, 5, true},
		{"none", `audit(1.2:3): auid=0 uid=0 gid=0 pid=1`, 0, false},
		{"not a word", `audit(1.2:3): auid=0 xses=5 pid=1`, 0, false},
		{"not a number", `audit(1.2:3): auid=0 ses=x pid=1`, 0, false},
		{"too big", `audit(1.2:3): auid=0 ses=4294967296 pid=1`, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := sessionOf([]byte(c.payload))
			if got != c.want || ok != c.ok {
				t.Errorf("sessionOf(%q) = %d, %v; want %d, %v", c.payload, got, ok, c.want, c.ok)
			}
		})
	}
}

func FuzzSessionOf(f *testing.F) {
	f.Add(seccompRecord("17", "/bin/x", "83", audit.ActionLogCode))
	f.Add([]byte(" ses="))
	f.Add([]byte(" ses=1 ses=2"))
	f.Fuzz(func(t *testing.T, payload []byte) {
		if _, ok := sessionOf(payload); ok && !bytes.Contains(payload, []byte(" ses=")) {
			t.Fatalf("session found in %q, which has no ses= field", payload)
		}
	})
}

func TestSessionRecordsKeepOnlyTheSessionsLoggedCalls(t *testing.T) {
	g := NewWithT(t)
	const self = "/usr/local/bin/spoc"
	recs := newSessionRecords(17, self)
	add := func(typ uint16, payload []byte) bool { return recs.add(typ, payload) }

	// 83 is mkdir, 302 prlimit64, 59 execve on x86_64.
	g.Expect(add(audit.TypeSeccomp, seccompRecord("17", "/usr/bin/mkdir", "83", audit.ActionLogCode))).To(BeTrue())
	g.Expect(add(audit.TypeSeccomp, seccompRecord("17", "/usr/bin/busybox", "83", audit.ActionLogCode))).To(BeTrue())
	g.Expect(add(audit.TypeSeccomp, seccompRecord("17", "/usr/bin/mkdir", "83", audit.ActionLogCode))).To(BeTrue())
	g.Expect(add(audit.TypeSeccomp, seccompRecord("17", self, "59", audit.ActionLogCode))).To(BeTrue(), "starting the command counts")
	g.Expect(add(audit.TypeSeccomp, seccompRecord("17", "/bin/x", "999999", audit.ActionLogCode))).To(BeTrue())

	g.Expect(add(audit.TypeSeccomp, seccompRecord("17", self, "302", audit.ActionLogCode))).To(BeTrue(), "spoc's own, not counted")
	g.Expect(add(audit.TypeSeccomp, seccompRecord("17", "/usr/bin/mkdir", "83", "0x50001"))).To(BeTrue(), "another filter's errno")
	g.Expect(add(audit.TypeSeccomp, seccompRecord("18", "/usr/bin/mkdir", "83", audit.ActionLogCode))).To(BeFalse(), "another session")
	g.Expect(add(audit.TypeSeccomp, seccompRecord("4294967295", "/usr/bin/mkdir", "83", audit.ActionLogCode))).To(BeFalse())
	g.Expect(add(1300, seccompRecord("17", "/usr/bin/mkdir", "83", audit.ActionLogCode))).To(BeFalse(), "a SYSCALL record")
	g.Expect(add(audit.TypeSeccomp, []byte(`audit(1.2:3): auid=0 uid=0 gid=0 ses=17 pid=1`))).To(BeTrue())

	g.Expect(recs.unreadable).To(Equal(1))
	g.Expect(recs.denied.calls).To(Equal(map[string]int{"mkdir": 3, "execve": 1, "syscall 999999": 1}))
	var out strings.Builder
	report(&out, recs, 2, true)
	g.Expect(out.String()).To(Equal(
		"spoc: audit: warning: the audit socket overflowed 2 times and the kernel dropped records; the list may be incomplete\n" +
			"spoc: audit: warning: not counted: 1 record of the command that did not parse\n" +
			"spoc: audit: warning: records were still arriving 2s after the command exited; later ones are not counted\n" +
			"spoc: audit: the profile would have denied 3 syscalls (5 calls):\n" +
			"  SYSCALL         CALLS  EXECUTABLES\n" +
			"  execve          1      /usr/local/bin/spoc\n" +
			"  mkdir           3      /usr/bin/busybox, /usr/bin/mkdir\n" +
			"  syscall 999999  1      /bin/x\n"))
}

func TestReportSingularAndNothing(t *testing.T) {
	g := NewWithT(t)
	var out strings.Builder
	report(&out, newSessionRecords(1, ""), 0, false)
	g.Expect(out.String()).To(Equal("spoc: audit: the profile would have denied nothing\n"))

	recs := newSessionRecords(1, "")
	recs.denied.add("setuid", "/usr/bin/id")
	out.Reset()
	report(&out, recs, 1, false)
	g.Expect(out.String()).To(Equal(
		"spoc: audit: warning: the audit socket overflowed 1 time and the kernel dropped records; the list may be incomplete\n" +
			"spoc: audit: the profile would have denied 1 syscall (1 call):\n" +
			"  SYSCALL  CALLS  EXECUTABLES\n" +
			"  setuid   1      /usr/bin/id\n"))
}
