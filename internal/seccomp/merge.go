package seccomp

import (
	"errors"
	"fmt"
	"slices"
)

// Recorded profiles deny everything they did not see: the kernel returns
// EPERM for it.
const (
	ActionAllow = "SCMP_ACT_ALLOW"
	ActionErrno = "SCMP_ACT_ERRNO"
)

// AllowList returns a profile that allows exactly names and denies every
// other syscall with EPERM, for the given architectures.
func AllowList(names, architectures []string) Profile {
	p := Profile{DefaultAction: ActionErrno, Architectures: architectures}
	if len(names) > 0 {
		p.Syscalls = []Syscall{{Names: names, Action: ActionAllow}}
	}
	return Normalize(p)
}

// Union returns the sorted set of all names in sets.
func Union(sets ...[]string) []string {
	var all []string
	for _, s := range sets {
		all = append(all, s...)
	}
	slices.Sort(all)
	return slices.Compact(all)
}

// Merge combines profiles that share a default action into one whose
// rules allow (or deny) everything any of them does; architectures and
// flags are united. Merging partial recordings of one workload is the
// main use.
func Merge(profiles ...Profile) (Profile, error) {
	if len(profiles) == 0 {
		return Profile{}, errors.New("merge: no profiles")
	}
	out := Profile{DefaultAction: profiles[0].DefaultAction, DefaultErrnoRet: profiles[0].DefaultErrnoRet,
		ListenerPath: profiles[0].ListenerPath, ListenerMetadata: profiles[0].ListenerMetadata}
	for i, p := range profiles {
		if p.DefaultAction != out.DefaultAction || !sameErrno(p.DefaultErrnoRet, out.DefaultErrnoRet) {
			return Profile{}, &DefaultActionError{
				Index: i,
				Got:   describe(p.DefaultAction, p.DefaultErrnoRet),
				Want:  describe(out.DefaultAction, out.DefaultErrnoRet),
			}
		}
		out.Architectures = append(out.Architectures, p.Architectures...)
		out.Flags = append(out.Flags, p.Flags...)
		out.Syscalls = append(out.Syscalls, p.Syscalls...)
	}
	return Normalize(out), nil
}

// DefaultActionError is Merge's error for profiles whose default actions
// differ: profile Index has Got, profile 0 has Want (each an action, with
// its errno in parentheses if set).
type DefaultActionError struct {
	Index     int
	Got, Want string
}

func (e *DefaultActionError) Error() string {
	return fmt.Sprintf("merge: profile %d has default action %s, profile 0 has %s", e.Index, e.Got, e.Want)
}

// Normalize returns a copy of p with architectures, flags and every rule's
// names sorted and de-duplicated, and rules that differ only in their
// names combined into the first of them. Rule order is otherwise kept.
// The result filters exactly like p.
func Normalize(p Profile) Profile {
	out := p
	out.Architectures = Union(p.Architectures)
	out.Flags = Union(p.Flags)
	out.Syscalls = nil
	for _, s := range p.Syscalls {
		i := slices.IndexFunc(out.Syscalls, func(o Syscall) bool { return sameRule(o, s) })
		if i < 0 {
			s.Names = Union(s.Names)
			s.Args = slices.Clone(s.Args)
			out.Syscalls = append(out.Syscalls, s)
			continue
		}
		out.Syscalls[i].Names = Union(out.Syscalls[i].Names, s.Names)
	}
	if len(out.Architectures) == 0 {
		out.Architectures = nil
	}
	if len(out.Flags) == 0 {
		out.Flags = nil
	}
	return out
}

// sameRule reports whether a and b match calls the same way, whatever
// their names.
func sameRule(a, b Syscall) bool {
	return a.Action == b.Action && sameErrno(a.ErrnoRet, b.ErrnoRet) && slices.Equal(a.Args, b.Args)
}

func sameErrno(a, b *uint) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

func describe(action string, errno *uint) string {
	if errno == nil {
		return action
	}
	return fmt.Sprintf("%s(%d)", action, *errno)
}

// AllowsUnconditionally reports whether p lets every call of the named
// syscall through (allowed or only logged), whatever its arguments: some
// rule names it and none narrows it by arguments or denies it, or no rule
// names it and the default action permits it.
func AllowsUnconditionally(p Profile, name string) bool {
	permits := func(action string) bool { return action == ActionAllow || action == "SCMP_ACT_LOG" }
	named, restricted := false, false
	for _, s := range p.Syscalls {
		if slices.Contains(s.Names, name) {
			named = true
			restricted = restricted || len(s.Args) > 0 || !permits(s.Action)
		}
	}
	if named {
		return !restricted
	}
	return permits(p.DefaultAction)
}
