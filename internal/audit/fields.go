package audit

import "strings"

// groupSep is the byte auditd's enriched format writes between the
// kernel's fields and its own interpretations of them.
const groupSep = 0x1d

// The fields a record is parsed from.
const (
	fieldPID = iota
	fieldComm
	fieldExe
	fieldSyscall
	fieldArch
	fieldCode
	fieldScontext
	fieldTcontext
	fieldTclass
	fieldPermissive
	numFields
)

var fieldNames = [numFields]string{
	"pid", "comm", "exe", "syscall", "arch", "code",
	"scontext", "tcontext", "tclass", "permissive",
}

func fieldIndex(key string) int {
	switch key {
	case "pid":
		return fieldPID
	case "comm":
		return fieldComm
	case "exe":
		return fieldExe
	case "syscall":
		return fieldSyscall
	case "arch":
		return fieldArch
	case "code":
		return fieldCode
	case "scontext":
		return fieldScontext
	case "tcontext":
		return fieldTcontext
	case "tclass":
		return fieldTclass
	case "permissive":
		return fieldPermissive
	}
	return -1
}

// fields holds the raw values (as written, quotes included) of the
// fields of one record.
type fields struct {
	val  [numFields]string
	seen [numFields]bool
}

// collect reads the key=value fields of body up to its end or a groupSep.
// A quoted value runs to its closing quote, so a forged `comm="a pid=1"`
// stays one value. A field given twice makes the record malformed.
func collect(body string) (fields, error) {
	var f fields
	for s := body; ; {
		var key, raw string
		key, raw, s = nextField(s)
		if s == "" && key == "" && raw == "" {
			return f, nil
		}
		i := fieldIndex(key)
		if i < 0 {
			continue
		}
		if f.seen[i] {
			return f, malformed("duplicate " + fieldNames[i])
		}
		f.seen[i], f.val[i] = true, raw
	}
}

// nextField returns the next word of s, split at its first '=' into key
// and raw value (key is empty for a word without '='), and the text after
// it. It returns three empty strings at the end of the fields.
func nextField(s string) (key, raw, rest string) {
	s = trimSpaces(s)
	if s == "" || s[0] == groupSep {
		return "", "", ""
	}
	i := 0
	for i < len(s) && s[i] != '=' && s[i] != ' ' && s[i] != groupSep {
		i++
	}
	if i == len(s) || s[i] != '=' {
		return "", s[:i], s[i:]
	}
	v := s[i+1:]
	n := 0
	if v != "" && v[0] == '"' {
		end := strings.IndexByte(v[1:], '"')
		if end < 0 {
			return s[:i], v, ""
		}
		n = end + 2
	}
	for n < len(v) && v[n] != ' ' && v[n] != groupSep {
		n++
	}
	return s[:i], v[:n], v[n:]
}

func (f *fields) required(i int) (string, error) {
	if !f.seen[i] {
		return "", malformed("no " + fieldNames[i])
	}
	if f.val[i] == "" {
		return "", malformed("empty " + fieldNames[i])
	}
	return f.val[i], nil
}

// task fills the PID, Comm and Executable of rec.
func (f *fields) task(rec *Record) error {
	raw, err := f.required(fieldPID)
	if err != nil {
		return err
	}
	if rec.PID = parsePID(raw); rec.PID <= 0 {
		return malformed("bad pid")
	}
	raw, err = f.required(fieldComm)
	if err != nil {
		return err
	}
	var ok bool
	if rec.Comm, ok = decodeUntrusted(raw); !ok {
		return malformed("bad comm")
	}
	if !f.seen[fieldExe] {
		return nil
	}
	if rec.Executable, ok = decodeUntrusted(f.val[fieldExe]); !ok {
		return malformed("bad exe")
	}
	// The kernel writes exe=(null) for a task without a memory map.
	if f.val[fieldExe] == "(null)" {
		rec.Executable = ""
	}
	return nil
}

// context returns an SELinux context field, which the kernel writes
// unquoted.
func (f *fields) context(i int) (string, error) {
	v, err := f.required(i)
	if err != nil {
		return "", err
	}
	for j := 0; j < len(v); j++ {
		if !isContextByte(v[j]) {
			return "", malformed("bad " + fieldNames[i])
		}
	}
	return v, nil
}

// decodeUntrusted decodes a value the kernel wrote with
// audit_log_untrustedstring: quoted when it has no space, quote, control
// or non-ASCII byte, else uppercase hex. Other unquoted values (such as
// "(null)") are returned as they are.
func decodeUntrusted(raw string) (string, bool) {
	if raw == "" {
		return "", false
	}
	if raw[0] == '"' {
		inner := raw[1:]
		if inner == "" || inner[len(inner)-1] != '"' {
			return "", false
		}
		inner = inner[:len(inner)-1]
		return inner, strings.IndexByte(inner, '"') < 0
	}
	if len(raw)%2 == 0 && isUpperHex(raw) {
		var b strings.Builder
		b.Grow(len(raw) / 2)
		for i := 0; i < len(raw); i += 2 {
			b.WriteByte(unhex(raw[i])<<4 | unhex(raw[i+1]))
		}
		return b.String(), true
	}
	return raw, strings.IndexByte(raw, '"') < 0
}

// parsePID returns the decimal raw as a PID, or -1.
func parsePID(raw string) int {
	if len(raw) > 10 || !allDigits(raw) {
		return -1
	}
	n := 0
	for i := 0; i < len(raw); i++ {
		n = n*10 + int(raw[i]-'0')
	}
	if n > 1<<31-1 {
		return -1
	}
	return n
}

// parseSyscall parses the kernel's "%ld" syscall number; x32 numbers have
// bit 30 set, and a tracer may have set it to -1.
func parseSyscall(raw string) (int, error) {
	digits, neg := strings.CutPrefix(raw, "-")
	n := parsePID(digits)
	if n < 0 {
		return 0, malformed("bad syscall")
	}
	if neg {
		return -n, nil
	}
	return n, nil
}
