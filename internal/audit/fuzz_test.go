package audit

import (
	"errors"
	"strings"
	"testing"
)

func FuzzParseLine(f *testing.F) {
	for _, tc := range lineCases {
		if len(tc.line) <= MaxRecordLength {
			f.Add(tc.line)
		}
	}
	f.Fuzz(func(t *testing.T, line string) {
		rec, err := ParseLine(line)
		if len(line) > MaxRecordLength {
			if !errors.Is(err, ErrTooLong) {
				t.Fatalf("oversized line: %v", err)
			}
			return
		}
		if err != nil {
			checkError(t, err)
			return
		}
		checkRecord(t, rec, line)
		// The same record arrives by netlink without the line's prefix.
		msgType, rest, _ := findRecord(strings.TrimRight(line, "\r\n"))
		nl, err := ParseNetlink(msgType, []byte(rest))
		if err != nil {
			t.Fatalf("netlink payload %q of line: %v", rest, err)
		}
		if !equalRecords(nl, rec) {
			t.Fatalf("line gives %+v, its netlink payload %+v", rec, nl)
		}
	})
}

func FuzzParseNetlink(f *testing.F) {
	for _, tc := range netlinkCases {
		if len(tc.payload) <= MaxRecordLength {
			f.Add(tc.msgType, []byte(tc.payload))
		}
	}
	f.Fuzz(func(t *testing.T, msgType uint16, payload []byte) {
		in := string(payload)
		rec, err := ParseNetlink(msgType, payload)
		if msgType != TypeSeccomp && msgType != TypeAVC {
			if err != ErrNotAudit {
				t.Fatalf("type %d: %v", msgType, err)
			}
			return
		}
		if err != nil {
			checkError(t, err)
			return
		}
		checkRecord(t, rec, in)
		if (msgType == TypeSeccomp) != (rec.Kind == KindSeccomp) {
			t.Fatalf("type %d gave kind %q", msgType, rec.Kind)
		}
	})
}

func checkError(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrNotAudit) && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrTooLong) {
		t.Fatalf("unexpected error %v", err)
	}
}

// checkRecord checks what holds for any record parsed from in.
func checkRecord(t *testing.T, rec Record, in string) {
	t.Helper()
	if rec.PID <= 0 || !validStamp(rec.Timestamp) || !strings.Contains(in, "audit("+rec.Timestamp+"):") {
		t.Fatalf("bad pid or stamp: %+v", rec)
	}
	if len(rec.Executable) > len(in) || len(rec.Comm) > len(in) {
		t.Fatalf("values longer than the input: %+v", rec)
	}
	switch rec.Kind {
	case KindSeccomp:
		if !isLowerHex(rec.Arch) || !strings.HasPrefix(rec.Action, "0x") || !isLowerHex(rec.Action[2:]) ||
			rec.Perms != nil || rec.Scontext != "" || rec.Tcontext != "" || rec.Tclass != "" || rec.Permissive {
			t.Fatalf("inconsistent seccomp record: %+v", rec)
		}
	case KindSelinux:
		if len(rec.Perms) == 0 || len(rec.Perms) > maxPerms || rec.Scontext == "" || rec.Tcontext == "" ||
			!isName(rec.Tclass) || rec.SyscallID != 0 || rec.Arch != "" || rec.Action != "" {
			t.Fatalf("inconsistent AVC record: %+v", rec)
		}
		for _, p := range rec.Perms {
			if !isName(p) {
				t.Fatalf("bad permission %q", p)
			}
		}
	default:
		t.Fatalf("no kind: %+v", rec)
	}
}

func equalRecords(a, b Record) bool {
	return a.Kind == b.Kind && a.Timestamp == b.Timestamp && a.PID == b.PID && a.Executable == b.Executable &&
		a.Comm == b.Comm && a.SyscallID == b.SyscallID && a.Arch == b.Arch && a.Action == b.Action &&
		strings.Join(a.Perms, " ") == strings.Join(b.Perms, " ") && a.Scontext == b.Scontext &&
		a.Tcontext == b.Tcontext && a.Tclass == b.Tclass && a.Permissive == b.Permissive
}
