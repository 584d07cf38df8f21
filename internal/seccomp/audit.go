package seccomp

// blocking lists the actions that stop a syscall from doing its work:
// killed, trapped, failed with an errno, or handed to a tracer (without
// one the call fails with ENOSYS).
var blocking = map[string]bool{
	"SCMP_ACT_KILL": true, "SCMP_ACT_KILL_PROCESS": true, "SCMP_ACT_KILL_THREAD": true,
	"SCMP_ACT_TRAP": true, "SCMP_ACT_ERRNO": true, "SCMP_ACT_TRACE": true,
}

// ActionLog lets a syscall through and writes an audit record for it.
const ActionLog = "SCMP_ACT_LOG"

// Blocks reports whether action stops the syscall it matches.
func Blocks(action string) bool { return blocking[action] }

// AuditCopy derives the audit-mode profile of p: every action that would
// block a call, the default included, becomes SCMP_ACT_LOG, so the kernel
// lets the call through and writes one audit record per call; and calls
// p only logs are allowed silently instead, as their records would be
// indistinguishable. The records are then exactly the calls p would have
// blocked. Architectures and flags are kept, so the copy matches calls
// the same way.
func AuditCopy(p Profile) Profile {
	out := p
	out.Architectures = append([]string(nil), p.Architectures...)
	out.Flags = append([]string(nil), p.Flags...)
	out.DefaultAction, out.DefaultErrnoRet = auditAction(p.DefaultAction, p.DefaultErrnoRet)
	out.Syscalls = make([]Syscall, 0, len(p.Syscalls))
	for _, s := range p.Syscalls {
		s.Names = append([]string(nil), s.Names...)
		s.Args = append([]Arg(nil), s.Args...)
		s.Action, s.ErrnoRet = auditAction(s.Action, s.ErrnoRet)
		out.Syscalls = append(out.Syscalls, s)
	}
	return Normalize(out)
}

// auditAction is what an action becomes in an audit copy.
func auditAction(action string, errno *uint) (string, *uint) {
	switch {
	case Blocks(action):
		return ActionLog, nil
	case action == ActionLog:
		return ActionAllow, nil
	}
	return action, errno
}

// AuditCopyWithin is AuditCopy for a cluster whose admin limited what
// profiles may allow (spod allowedSyscalls): only calls of the allowed
// syscalls are let through and logged; every other call stays blocked as
// p blocks it, so audit mode never lets through what no profile could.
// With no limit it is AuditCopy.
func AuditCopyWithin(p Profile, allowed []string) Profile {
	if len(allowed) == 0 {
		return AuditCopy(p)
	}
	permitted := map[string]bool{}
	for _, n := range allowed {
		permitted[n] = true
	}
	out := p
	out.Architectures = append([]string(nil), p.Architectures...)
	out.Flags = append([]string(nil), p.Flags...)
	out.Syscalls = make([]Syscall, 0, len(p.Syscalls)+1)
	named := map[string]bool{}
	out.DefaultAction, out.DefaultErrnoRet = p.DefaultAction, p.DefaultErrnoRet
	if out.DefaultAction == ActionLog {
		out.DefaultAction = ActionAllow
	}
	for _, s := range p.Syscalls {
		if s.Action == ActionLog {
			s.Action = ActionAllow
		}
		var logged, kept []string
		for _, n := range s.Names {
			named[n] = true
			if Blocks(s.Action) && permitted[n] {
				logged = append(logged, n)
			} else {
				kept = append(kept, n)
			}
		}
		if len(logged) > 0 {
			out.Syscalls = append(out.Syscalls, Syscall{Names: logged, Action: ActionLog, Args: append([]Arg(nil), s.Args...)})
		}
		if len(kept) > 0 {
			s.Names, s.Args = kept, append([]Arg(nil), s.Args...)
			out.Syscalls = append(out.Syscalls, s)
		}
	}
	if Blocks(p.DefaultAction) {
		var rest []string
		for _, n := range allowed {
			if !named[n] {
				rest = append(rest, n)
			}
		}
		if len(rest) > 0 {
			out.Syscalls = append(out.Syscalls, Syscall{Names: rest, Action: ActionLog})
		}
	}
	return Normalize(out)
}
