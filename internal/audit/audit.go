package audit

import (
	"bytes"
	"errors"
	"strings"
)

// Audit record types the enricher understands (include/uapi/linux/audit.h).
const (
	// TypeAVC is an SELinux access vector decision (AUDIT_AVC).
	TypeAVC uint16 = 1400
	// TypeSeccomp is a seccomp action that logs (AUDIT_SECCOMP).
	TypeSeccomp uint16 = 1326
)

// MaxRecordLength is the longest record text accepted; longer input is
// rejected with ErrTooLong before it is parsed.
const MaxRecordLength = 8192

// Kind says which LSM a record is about; it is the "type" field of the
// enricher's log line ("seccomp" or "selinux").
type Kind string

// The kinds of record.
const (
	KindSeccomp Kind = "seccomp"
	KindSelinux Kind = "selinux"
)

// Errors the parsers return. Callers count them by kind and skip the
// record.
var (
	// ErrNotAudit means the input is not a seccomp or AVC audit record at
	// all (another record type or an unrelated log line); it is not a
	// malformed record.
	ErrNotAudit = errors.New("not a seccomp or AVC audit record")
	// ErrTooLong means the input exceeds MaxRecordLength.
	ErrTooLong = errors.New("audit record too long")
	// ErrMalformed means the input claims to be a seccomp or AVC record but
	// lacks a field, or a field does not parse.
	ErrMalformed = errors.New("malformed audit record")
)

// ActionLogCode is the code= of a seccomp record written for
// SECCOMP_RET_LOG (SCMP_ACT_LOG), as the kernel prints it.
const ActionLogCode = "0x7ffc0000"

// Record is one parsed seccomp or AVC record.
type Record struct {
	// Kind is seccomp or selinux.
	Kind Kind
	// Timestamp is the record's "audit(<seconds>.<millis>:<serial>)"
	// stamp without the wrapper, e.g. "1625486870.273:187492".
	Timestamp string
	// PID is the process id as seen from the initial PID namespace.
	PID int
	// Executable is the exe= path, unquoted (hex-encoded values decoded);
	// empty when the record has none.
	Executable string
	// Comm is the comm= value, unquoted (hex-encoded values decoded).
	Comm string

	// Seccomp records only.
	// SyscallID is the syscall= number for the record's architecture.
	SyscallID int
	// Arch is the arch= value as the kernel writes it (AUDIT_ARCH_*, hex,
	// e.g. "c000003e" for x86_64).
	Arch string
	// Action is the code= value (e.g. "0x7ffc0000" for SCMP_ACT_LOG).
	Action string

	// AVC records only.
	// Perms are the permissions inside "{ ... }", e.g. ["read", "open"].
	Perms []string
	// Scontext, Tcontext and Tclass are the source and target contexts and
	// the target class.
	Scontext, Tcontext, Tclass string
	// Permissive is true when the record says permissive=1.
	Permissive bool
}

// ParseNetlink parses the payload of one netlink message of type msgType
// from the audit multicast group, e.g. for TypeSeccomp
// `audit(1625486870.273:187492): auid=4294967295 uid=0 ... syscall=232 ...`.
// Other message types return ErrNotAudit.
//
// The type is checked before the length, so that a long record of another
// type (EXECVE, say) counts as ErrNotAudit, not ErrTooLong. The payload is
// copied: the caller may reuse its buffer.
func ParseNetlink(msgType uint16, payload []byte) (Record, error) {
	if msgType != TypeSeccomp && msgType != TypeAVC {
		return Record{}, ErrNotAudit
	}
	if len(payload) > MaxRecordLength {
		return Record{}, ErrTooLong
	}
	// The kernel may count a terminating NUL in the message length.
	payload = bytes.TrimRight(payload, "\x00\n")
	return parseRecord(msgType, string(payload))
}

// ParseLine parses one line of /var/log/audit/audit.log
// (`type=SECCOMP msg=audit(...): ...`, `type=AVC msg=audit(...): avc: denied ...`)
// or of the kernel log as syslog or dmesg print it
// (`... kernel: [ 12.3] audit: type=1326 audit(...): ...`). Lines that are
// not seccomp or AVC records return ErrNotAudit.
//
// The first "type=<T> audit(" or "type=<T> msg=audit(" in the line decides
// what the line is; whatever precedes it (syslog header, dmesg time,
// "audit: ", auditd's "node=<name>") is not checked, so a line that another
// program wrote to syslog in the kernel's format is taken as a record:
// netlink is the source to trust.
func ParseLine(line string) (Record, error) {
	if len(line) > MaxRecordLength {
		return Record{}, ErrTooLong
	}
	msgType, rest, ok := findRecord(strings.TrimRight(line, "\r\n"))
	if !ok || (msgType != TypeSeccomp && msgType != TypeAVC) {
		return Record{}, ErrNotAudit
	}
	return parseRecord(msgType, rest)
}

// findRecord finds the first record marker in line: a "type=" that starts
// a word, followed by a type name or number, one space, an optional
// "msg=" and "audit(". It returns the record type (0 when not one this
// package parses) and the text from "audit(" on.
func findRecord(line string) (msgType uint16, rest string, ok bool) {
	const marker = "type="
	for from := 0; ; {
		i := strings.Index(line[from:], marker)
		if i < 0 {
			return 0, "", false
		}
		start := from + i
		from = start + len(marker)
		if start > 0 && line[start-1] != ' ' {
			continue
		}
		name, after, found := strings.Cut(line[from:], " ")
		if !found {
			return 0, "", false
		}
		after = strings.TrimPrefix(after, "msg=")
		if strings.HasPrefix(after, "audit(") {
			return typeCode(name), after, true
		}
	}
}

// typeCode maps a record type as the kernel (number) or auditd (name, or
// "UNKNOWN[<number>]") writes it to TypeSeccomp or TypeAVC, and any other
// type to 0.
func typeCode(name string) uint16 {
	switch name {
	case "SECCOMP", "1326", "UNKNOWN[1326]":
		return TypeSeccomp
	case "AVC", "1400", "UNKNOWN[1400]":
		return TypeAVC
	}
	return 0
}
