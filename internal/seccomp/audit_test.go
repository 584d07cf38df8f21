package seccomp

import (
	"reflect"
	"testing"
)

func TestAuditCopy(t *testing.T) {
	in := Profile{
		DefaultAction:   "SCMP_ACT_ERRNO",
		DefaultErrnoRet: errno(38),
		Architectures:   []string{"SCMP_ARCH_X86_64"},
		Syscalls: []Syscall{
			{Names: []string{"read", "write"}, Action: ActionAllow},
			{Names: []string{"mkdir"}, Action: "SCMP_ACT_KILL_PROCESS"},
			{Names: []string{"personality"}, Action: ActionAllow, Args: []Arg{{Index: 0, Value: 8, Op: "SCMP_CMP_EQ"}}},
			{Names: []string{"ptrace"}, Action: "SCMP_ACT_ERRNO", ErrnoRet: errno(1)},
			{Names: []string{"getpid"}, Action: "SCMP_ACT_LOG"},
		},
	}
	want := Profile{
		DefaultAction: ActionLog,
		Architectures: []string{"SCMP_ARCH_X86_64"},
		Syscalls: []Syscall{
			{Names: []string{"getpid", "read", "write"}, Action: ActionAllow},
			{Names: []string{"mkdir", "ptrace"}, Action: ActionLog},
			{Names: []string{"personality"}, Action: ActionAllow, Args: []Arg{{Index: 0, Value: 8, Op: "SCMP_CMP_EQ"}}},
		},
	}
	got := AuditCopy(in)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("AuditCopy:\n got %+v\nwant %+v", got, want)
	}
	if in.DefaultAction != "SCMP_ACT_ERRNO" || in.Syscalls[1].Action != "SCMP_ACT_KILL_PROCESS" {
		t.Fatalf("AuditCopy changed its input: %+v", in)
	}
	if _, err := EncodeOCI(got); err != nil {
		t.Fatalf("audit copy does not encode: %v", err)
	}
}

func TestAuditCopyAllowsWhatTheProfileOnlyLogs(t *testing.T) {
	// The manual's profile1: default SCMP_ACT_LOG blocks nothing, so its
	// audit copy must log nothing either.
	got := AuditCopy(Profile{DefaultAction: ActionLog})
	if got.DefaultAction != ActionAllow || len(got.Syscalls) != 0 {
		t.Fatalf("AuditCopy of a log-all profile = %+v", got)
	}
	if w := AuditCopyWithin(Profile{DefaultAction: ActionLog}, []string{"read"}); w.DefaultAction != ActionAllow {
		t.Fatalf("AuditCopyWithin of a log-all profile = %+v", w)
	}
}

func TestAuditCopyKeepsAllowDefault(t *testing.T) {
	in := Profile{DefaultAction: ActionAllow, Syscalls: []Syscall{{Names: []string{"mount"}, Action: "SCMP_ACT_TRAP"}}}
	got := AuditCopy(in)
	if got.DefaultAction != ActionAllow || got.Syscalls[0].Action != ActionLog {
		t.Fatalf("AuditCopy(%+v) = %+v", in, got)
	}
}

func TestAuditCopyWithinAllowedSyscalls(t *testing.T) {
	in := Profile{
		DefaultAction: "SCMP_ACT_ERRNO",
		Syscalls: []Syscall{
			{Names: []string{"read"}, Action: ActionAllow},
			{Names: []string{"mkdir", "mount"}, Action: "SCMP_ACT_KILL"},
		},
	}
	want := Profile{
		DefaultAction: "SCMP_ACT_ERRNO",
		Syscalls: []Syscall{
			{Names: []string{"read"}, Action: ActionAllow},
			{Names: []string{"getpid", "mkdir"}, Action: ActionLog},
			{Names: []string{"mount"}, Action: "SCMP_ACT_KILL"},
		},
	}
	got := AuditCopyWithin(in, []string{"read", "mkdir", "getpid"})
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("AuditCopyWithin:\n got %+v\nwant %+v", got, want)
	}
	if !reflect.DeepEqual(AuditCopyWithin(in, nil), AuditCopy(in)) {
		t.Fatal("AuditCopyWithin without a limit differs from AuditCopy")
	}
}
