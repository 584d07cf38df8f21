package seccomp

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// Profile is a seccomp filter in the shape of the OCI runtime-spec's
// linux.seccomp object, which runc, crun and the kubelet's localhost
// profiles read. Field order here is the order EncodeOCI writes.
type Profile struct {
	DefaultAction   string   `json:"defaultAction"`
	DefaultErrnoRet *uint    `json:"defaultErrnoRet,omitempty"`
	Architectures   []string `json:"architectures,omitempty"`
	Flags           []string `json:"flags,omitempty"`
	// ListenerPath and ListenerMetadata tell the runtime where to send
	// the notify fd of a filter that uses SCMP_ACT_NOTIFY.
	ListenerPath     string    `json:"listenerPath,omitempty"`
	ListenerMetadata string    `json:"listenerMetadata,omitempty"`
	Syscalls         []Syscall `json:"syscalls,omitempty"`
}

// Syscall is one rule of a Profile.
type Syscall struct {
	Names    []string `json:"names"`
	Action   string   `json:"action"`
	ErrnoRet *uint    `json:"errnoRet,omitempty"`
	Args     []Arg    `json:"args,omitempty"`
}

// Arg compares one syscall argument.
type Arg struct {
	Index    uint   `json:"index"`
	Value    uint64 `json:"value"`
	ValueTwo uint64 `json:"valueTwo,omitempty"`
	Op       string `json:"op"`
}

// Actions, architectures prefixes and operators as libseccomp spells them.
var (
	actions = []string{
		"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
		"SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", ActionNotify,
	}
	operators = []string{
		"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
		"SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
	}
	flags = []string{
		"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
		"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
	}
)

// ActionNotify hands a call to the user-space listener at ListenerPath.
const ActionNotify = "SCMP_ACT_NOTIFY"

// Actions returns every action a profile uses, the default first, without
// duplicates.
func Actions(p Profile) []string {
	out := []string{p.DefaultAction}
	for _, s := range p.Syscalls {
		if !slices.Contains(out, s.Action) {
			out = append(out, s.Action)
		}
	}
	return out
}

// EncodeOCI writes p as indented OCI seccomp JSON with a trailing
// newline. It normalises first (see Normalize), so equal profiles always
// give identical bytes.
func EncodeOCI(p Profile) ([]byte, error) {
	n := Normalize(p)
	if err := Validate(n); err != nil {
		return nil, err
	}
	out, err := json.MarshalIndent(n, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode seccomp profile: %w", err)
	}
	return append(out, '\n'), nil
}

// DecodeOCI parses OCI seccomp JSON strictly: unknown fields, trailing
// data and invalid actions are errors.
func DecodeOCI(data []byte) (Profile, error) {
	var p Profile
	if err := strictJSON(data, &p); err != nil {
		return Profile{}, fmt.Errorf("parse seccomp JSON: %w", err)
	}
	if err := Validate(p); err != nil {
		return Profile{}, err
	}
	return p, nil
}

// Validate checks what can be checked without a syscall table: known
// actions, operators and flags, non-empty rules and names, argument
// indexes 0 to 5, and a listenerPath for SCMP_ACT_NOTIFY. Syscall names
// are checked per architecture by internal/seccompfilter.
func Validate(p Profile) error {
	if err := validAction(p.DefaultAction); err != nil {
		return fmt.Errorf("defaultAction: %w", err)
	}
	if p.ListenerPath == "" && slices.Contains(Actions(p), ActionNotify) {
		// The runtime would have no one to hand the notify fd to.
		return errors.New("SCMP_ACT_NOTIFY needs a listenerPath")
	}
	for _, f := range p.Flags {
		if !slices.Contains(flags, f) {
			return fmt.Errorf("flags: unknown seccomp flag %q", f)
		}
	}
	for i, s := range p.Syscalls {
		if err := validRule(s); err != nil {
			return fmt.Errorf("syscalls[%d]: %w", i, err)
		}
	}
	return nil
}

func validRule(s Syscall) error {
	if err := validAction(s.Action); err != nil {
		return fmt.Errorf("action: %w", err)
	}
	if len(s.Names) == 0 {
		return errors.New("names: must not be empty")
	}
	for _, n := range s.Names {
		if !validName(n) {
			return fmt.Errorf("names: %q is not a syscall name", n)
		}
	}
	if len(s.Args) > 6 {
		return errors.New("args: at most 6 comparisons")
	}
	for _, a := range s.Args {
		if a.Index > 5 {
			return fmt.Errorf("args: index %d is not 0 to 5", a.Index)
		}
		if !slices.Contains(operators, a.Op) {
			return fmt.Errorf("args: unknown operator %q", a.Op)
		}
	}
	return nil
}

func validAction(a string) error {
	if a == "" {
		return errors.New("missing action")
	}
	if !slices.Contains(actions, a) {
		return fmt.Errorf("unsupported action %q", a)
	}
	return nil
}

// validName accepts what the CRD's pattern accepts: ^[a-z0-9_]+$, at most
// 64 characters.
func validName(n string) bool {
	if n == "" || len(n) > 64 {
		return false
	}
	for _, c := range n {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}
