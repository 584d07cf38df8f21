package audit

import (
	"fmt"
	"strings"
)

// maxPerms bounds the permissions of one AVC record: an access vector has
// 32 bits.
const maxPerms = 32

func malformed(what string) error {
	return fmt.Errorf("%w: %s", ErrMalformed, what)
}

// parseRecord parses the record text s, which starts with the
// "audit(<stamp>):" header, as a record of type msgType (TypeSeccomp or
// TypeAVC).
func parseRecord(msgType uint16, s string) (Record, error) {
	stamp, body, err := splitStamp(s)
	if err != nil {
		return Record{}, err
	}
	if msgType == TypeSeccomp {
		return parseSeccomp(stamp, body)
	}
	return parseAVC(stamp, body)
}

// splitStamp splits "audit(<sec>.<ms>:<serial>): <body>" into the stamp
// and the body.
func splitStamp(s string) (stamp, body string, err error) {
	rest, ok := strings.CutPrefix(s, "audit(")
	if !ok {
		return "", "", malformed("no audit(...) stamp")
	}
	end := strings.IndexByte(rest, ')')
	if end < 0 || !validStamp(rest[:end]) {
		return "", "", malformed("bad audit(...) stamp")
	}
	body, ok = strings.CutPrefix(rest[end+1:], ":")
	if !ok {
		return "", "", malformed("no colon after the audit(...) stamp")
	}
	return rest[:end], body, nil
}

// validStamp reports whether s is "<digits>.<digits>:<digits>".
func validStamp(s string) bool {
	sec, rest, ok := strings.Cut(s, ".")
	if !ok || !allDigits(sec) {
		return false
	}
	ms, serial, ok := strings.Cut(rest, ":")
	return ok && allDigits(ms) && allDigits(serial)
}

func parseSeccomp(stamp, body string) (Record, error) {
	f, err := collect(body)
	if err != nil {
		return Record{}, err
	}
	rec := Record{Kind: KindSeccomp, Timestamp: stamp}
	if err := f.task(&rec); err != nil {
		return Record{}, err
	}
	raw, err := f.required(fieldSyscall)
	if err != nil {
		return Record{}, err
	}
	if rec.SyscallID, err = parseSyscall(raw); err != nil {
		return Record{}, err
	}
	if rec.Arch, err = f.required(fieldArch); err != nil {
		return Record{}, err
	}
	if !isLowerHex(rec.Arch) || len(rec.Arch) > 8 {
		return Record{}, malformed("bad arch")
	}
	raw, err = f.required(fieldCode)
	if err != nil {
		return Record{}, err
	}
	if rec.Action, err = parseAction(raw); err != nil {
		return Record{}, err
	}
	return rec, nil
}

// parseAction returns the "0x<hex>" action of a code= value. auditd's
// enriched format appends its own fields after a 0x1d separator; where that
// separator was lost, they run into the value ("0x7ffc0000AUID=..."), so
// an uppercase letter also ends it. The kernel writes lowercase hex.
func parseAction(raw string) (string, error) {
	digits, ok := strings.CutPrefix(raw, "0x")
	if !ok {
		return "", malformed("bad code")
	}
	n := 0
	for n < len(digits) && isLowerHexDigit(digits[n]) {
		n++
	}
	if n == 0 || n > 8 || (n < len(digits) && !isUpper(digits[n])) {
		return "", malformed("bad code")
	}
	return raw[:2+n], nil
}

func parseAVC(stamp, body string) (Record, error) {
	rest, ok := strings.CutPrefix(trimSpaces(body), "avc:")
	if !ok {
		// AppArmor and other LSMs log under type 1400 too.
		return Record{}, fmt.Errorf("%w: type 1400 record of another LSM", ErrNotAudit)
	}
	rest, ok = strings.CutPrefix(trimSpaces(rest), "denied")
	if !ok {
		// "granted" (auditallow) and notices: not a denial.
		return Record{}, fmt.Errorf("%w: AVC record is not a denial", ErrNotAudit)
	}
	perms, rest, err := parsePerms(rest)
	if err != nil {
		return Record{}, err
	}
	f, err := collect(rest)
	if err != nil {
		return Record{}, err
	}
	rec := Record{Kind: KindSelinux, Timestamp: stamp, Perms: perms}
	if err := f.task(&rec); err != nil {
		return Record{}, err
	}
	if rec.Scontext, err = f.context(fieldScontext); err != nil {
		return Record{}, err
	}
	if rec.Tcontext, err = f.context(fieldTcontext); err != nil {
		return Record{}, err
	}
	if rec.Tclass, err = f.required(fieldTclass); err != nil {
		return Record{}, err
	}
	if !isName(rec.Tclass) {
		return Record{}, malformed("bad tclass")
	}
	// Kernels before 3.16 do not write permissive=.
	if f.seen[fieldPermissive] {
		switch f.val[fieldPermissive] {
		case "1":
			rec.Permissive = true
		case "0":
		default:
			return Record{}, malformed("bad permissive")
		}
	}
	return rec, nil
}

// parsePerms parses "  { read write } for ..." into the permissions and
// the text after the closing brace. Names are checked, as they may end up
// in a policy.
func parsePerms(s string) (perms []string, rest string, err error) {
	list, ok := strings.CutPrefix(trimSpaces(s), "{")
	if !ok || len(s) == len(trimSpaces(s)) {
		return nil, "", malformed("no permission list")
	}
	list, rest, ok = strings.Cut(list, "}")
	if !ok {
		return nil, "", malformed("unterminated permission list")
	}
	n := 0
	for w := range strings.FieldsSeq(list) {
		if !isName(w) {
			return nil, "", malformed("bad permission")
		}
		n++
	}
	if n == 0 || n > maxPerms {
		return nil, "", malformed("bad number of permissions")
	}
	perms = make([]string, 0, n)
	for w := range strings.FieldsSeq(list) {
		perms = append(perms, w)
	}
	return perms, rest, nil
}
