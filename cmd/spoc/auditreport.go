package main

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/securityprofiles/operator/internal/audit"
	"github.com/securityprofiles/operator/internal/seccompfilter"
)

// sessionRecords keeps the SCMP_ACT_LOG records of one audit session:
// under the audit copy, exactly the calls the profile would have denied.
type sessionRecords struct {
	session uint32
	// self is spoc's executable: the child runs it between installing
	// the filter and execve.
	self   string
	denied denials
	// unreadable counts records of the session that did not parse.
	unreadable int
	names      map[syscallKey]string
}

type syscallKey struct {
	arch string
	id   int
}

func newSessionRecords(session uint32, self string) *sessionRecords {
	return &sessionRecords{session: session, self: self, names: map[syscallKey]string{}}
}

// add takes one netlink message and reports whether it was a seccomp
// record of the session.
func (s *sessionRecords) add(typ uint16, payload []byte) bool {
	if typ != audit.TypeSeccomp {
		return false
	}
	if ses, ok := sessionOf(payload); !ok || ses != s.session {
		return false
	}
	rec, err := audit.ParseNetlink(typ, payload)
	if err != nil {
		s.unreadable++
		return true
	}
	if rec.Action != audit.ActionLogCode {
		// Another filter's action (the command may run under one), not
		// the audit copy's.
		return true
	}
	name := s.name(rec.Arch, rec.SyscallID)
	// Between installing the filter and execve, spoc's child makes at
	// most one more call (prlimit64, see seccompfilter.Exec): spoc's, not
	// the command's. Its execve is the command's start, and counts.
	if s.self != "" && rec.Executable == s.self && name != "execve" {
		return true
	}
	exe := rec.Executable
	if exe == "" {
		exe = rec.Comm
	}
	s.denied.add(name, exe)
	return true
}

// name names a syscall number, or says "syscall N" when it cannot.
func (s *sessionRecords) name(arch string, id int) string {
	key := syscallKey{arch, id}
	if n, ok := s.names[key]; ok {
		return n
	}
	n := seccompfilter.NameFromAudit(arch, id)
	if n == "" {
		n = "syscall " + strconv.Itoa(id)
	}
	s.names[key] = n
	return n
}

// sessionOf returns the ses= field of a seccomp record's text. The
// kernel writes auid=, uid=, gid= and ses=, all numbers, before any field
// a process controls (subj, comm, exe), so the first " ses=" is the
// kernel's.
func sessionOf(payload []byte) (uint32, bool) {
	_, v, ok := bytes.Cut(payload, []byte(" ses="))
	if !ok {
		return 0, false
	}
	if end := bytes.IndexByte(v, ' '); end >= 0 {
		v = v[:end]
	}
	id, err := strconv.ParseUint(string(v), 10, 32)
	if err != nil {
		return 0, false
	}
	return uint32(id), true
}

// denials counts calls per syscall, with the executables that made them.
type denials struct {
	calls map[string]int
	exes  map[string]map[string]bool
}

func (d *denials) add(name, exe string) {
	if d.calls == nil {
		d.calls, d.exes = map[string]int{}, map[string]map[string]bool{}
	}
	d.calls[name]++
	if d.exes[name] == nil {
		d.exes[name] = map[string]bool{}
	}
	d.exes[name][exe] = true
}

// write prints the summary, sorted by syscall name.
func (d *denials) write(w io.Writer) {
	if len(d.calls) == 0 {
		fmt.Fprintln(w, "spoc: audit: the profile would have denied nothing")
		return
	}
	names := slices.Sorted(maps.Keys(d.calls))
	total := 0
	for _, n := range d.calls {
		total += n
	}
	fmt.Fprintf(w, "spoc: audit: the profile would have denied %s (%s):\n",
		count(len(names), "syscall"), count(total, "call"))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  SYSCALL\tCALLS\tEXECUTABLES")
	for _, n := range names {
		exes := slices.Sorted(maps.Keys(d.exes[n]))
		fmt.Fprintf(tw, "  %s\t%d\t%s\n", n, d.calls[n], strings.Join(exes, ", "))
	}
	_ = tw.Flush()
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// report prints the summary and, before it, everything that keeps it
// from being complete.
func report(w io.Writer, recs *sessionRecords, overflows int, cutOff bool) {
	if overflows > 0 {
		fmt.Fprintf(w, "spoc: audit: warning: the audit socket overflowed %s and the kernel dropped records; the list may be incomplete\n",
			count(overflows, "time"))
	}
	if recs.unreadable > 0 {
		fmt.Fprintf(w, "spoc: audit: warning: not counted: %s of the command that did not parse\n",
			count(recs.unreadable, "record"))
	}
	if cutOff {
		fmt.Fprintf(w, "spoc: audit: warning: records were still arriving %v after the command exited; later ones are not counted\n",
			auditDrainMax)
	}
	recs.denied.write(w)
}
