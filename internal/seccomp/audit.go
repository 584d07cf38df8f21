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
// lets the call through and writes one audit record per call. Calls p
// allows stay silent, so the records are exactly the calls p would have
// blocked. Architectures and flags are kept, so the copy matches calls
// the same way.
func AuditCopy(p Profile) Profile {
	out := p
	out.Architectures = append([]string(nil), p.Architectures...)
	out.Flags = append([]string(nil), p.Flags...)
	if Blocks(out.DefaultAction) {
		out.DefaultAction, out.DefaultErrnoRet = ActionLog, nil
	}
	out.Syscalls = make([]Syscall, 0, len(p.Syscalls))
	for _, s := range p.Syscalls {
		s.Names = append([]string(nil), s.Names...)
		s.Args = append([]Arg(nil), s.Args...)
		if Blocks(s.Action) {
			s.Action, s.ErrnoRet = ActionLog, nil
		}
		out.Syscalls = append(out.Syscalls, s)
	}
	return Normalize(out)
}
