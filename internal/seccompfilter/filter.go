package seccompfilter

import (
	"errors"
	"fmt"
	"strings"

	libseccomp "github.com/seccomp/libseccomp-golang"

	"github.com/securityprofiles/operator/internal/seccomp"
)

// epermErrno is what a denied syscall returns when the profile names no
// errno, as with runc.
const epermErrno = 1

// Build compiles p into a libseccomp filter for its architectures (the
// native one is always included). Unknown syscall names are an error
// that lists them all. The caller releases the filter.
func Build(p seccomp.Profile) (*libseccomp.ScmpFilter, error) {
	if err := seccomp.Validate(p); err != nil {
		return nil, err
	}
	def, err := action(p.DefaultAction, p.DefaultErrnoRet)
	if err != nil {
		return nil, fmt.Errorf("defaultAction: %w", err)
	}
	archs, err := architectures(p.Architectures)
	if err != nil {
		return nil, err
	}
	if err := checkNames(p, archs); err != nil {
		return nil, err
	}
	f, err := libseccomp.NewFilter(def)
	if err != nil {
		return nil, fmt.Errorf("create seccomp filter: %w", err)
	}
	if err := fill(f, p, archs, def); err != nil {
		f.Release()
		return nil, err
	}
	return f, nil
}

func architectures(names []string) ([]libseccomp.ScmpArch, error) {
	native, err := libseccomp.GetNativeArch()
	if err != nil {
		return nil, fmt.Errorf("native seccomp architecture: %w", err)
	}
	archs := []libseccomp.ScmpArch{native}
	for _, n := range names {
		a, err := parseArch(n)
		if err != nil {
			return nil, fmt.Errorf("architectures: %w", err)
		}
		if a != native && a != libseccomp.ArchNative {
			archs = append(archs, a)
		}
	}
	return archs, nil
}

// checkNames fails with every name the native architecture has no
// syscall for: a typo would otherwise silently leave a syscall denied.
func checkNames(p seccomp.Profile, archs []libseccomp.ScmpArch) error {
	var names []string
	for _, s := range p.Syscalls {
		names = append(names, s.Names...)
	}
	unknown, err := UnknownNames(archName(archs[0]), names)
	if err != nil {
		return err
	}
	if len(unknown) > 0 {
		return fmt.Errorf("unknown syscalls for %s (libseccomp %s): %s",
			archName(archs[0]), LibraryVersion(), strings.Join(unknown, ", "))
	}
	return nil
}

func fill(f *libseccomp.ScmpFilter, p seccomp.Profile, archs []libseccomp.ScmpArch, def libseccomp.ScmpAction) error {
	for _, a := range archs[1:] {
		if err := f.AddArch(a); err != nil {
			return fmt.Errorf("add architecture %s: %w", archName(a), err)
		}
	}
	for i, s := range p.Syscalls {
		act, err := action(s.Action, s.ErrnoRet)
		if err != nil {
			return fmt.Errorf("syscalls[%d].action: %w", i, err)
		}
		// libseccomp refuses rules that repeat the default action; they
		// change nothing anyway.
		if act == def {
			continue
		}
		conds, err := conditions(s.Args)
		if err != nil {
			return fmt.Errorf("syscalls[%d].args: %w", i, err)
		}
		for _, name := range s.Names {
			if err := addRule(f, archs, name, act, conds); err != nil {
				return err
			}
		}
	}
	return nil
}

func addRule(f *libseccomp.ScmpFilter, archs []libseccomp.ScmpArch, name string, act libseccomp.ScmpAction, conds []libseccomp.ScmpCondition) error {
	nr, ok := number(archs[0], name)
	if !ok {
		return fmt.Errorf("unknown syscall %q", name)
	}
	var err error
	if len(conds) == 0 {
		err = f.AddRule(nr, act)
	} else {
		err = f.AddRuleConditional(nr, act, conds)
	}
	if err != nil {
		return fmt.Errorf("add rule for %s: %w", name, err)
	}
	return nil
}

// action maps a profile action to libseccomp's. SCMP_ACT_TRACE is refused:
// without a ptrace tracer the kernel fails such syscalls with ENOSYS,
// which is never what a profile author meant.
func action(name string, errno *uint) (libseccomp.ScmpAction, error) {
	switch name {
	case "SCMP_ACT_ALLOW":
		return libseccomp.ActAllow, nil
	case "SCMP_ACT_LOG":
		return libseccomp.ActLog, nil
	case "SCMP_ACT_ERRNO":
		code := uint(epermErrno)
		if errno != nil {
			code = *errno
		}
		if code > 4095 {
			return 0, fmt.Errorf("errno %d out of range", code)
		}
		return libseccomp.ActErrno.SetReturnCode(int16(code)), nil
	case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD":
		return libseccomp.ActKillThread, nil
	case "SCMP_ACT_KILL_PROCESS":
		return libseccomp.ActKillProcess, nil
	case "SCMP_ACT_TRAP":
		return libseccomp.ActTrap, nil
	case seccomp.ActionNotify:
		// Only compiled to check the profile, never loaded here: loading
		// would return a notify fd with no one to answer it.
		return libseccomp.ActNotify, nil
	case "SCMP_ACT_TRACE":
		return 0, errors.New("unsupported action SCMP_ACT_TRACE: it needs a ptrace tracer")
	}
	return 0, fmt.Errorf("unsupported action %q", name)
}

var operators = map[string]libseccomp.ScmpCompareOp{
	"SCMP_CMP_NE": libseccomp.CompareNotEqual, "SCMP_CMP_LT": libseccomp.CompareLess,
	"SCMP_CMP_LE": libseccomp.CompareLessOrEqual, "SCMP_CMP_EQ": libseccomp.CompareEqual,
	"SCMP_CMP_GE": libseccomp.CompareGreaterEqual, "SCMP_CMP_GT": libseccomp.CompareGreater,
	"SCMP_CMP_MASKED_EQ": libseccomp.CompareMaskedEqual,
}

func conditions(args []seccomp.Arg) ([]libseccomp.ScmpCondition, error) {
	var conds []libseccomp.ScmpCondition
	for _, a := range args {
		op, ok := operators[a.Op]
		if !ok {
			return nil, fmt.Errorf("unknown operator %q", a.Op)
		}
		values := []uint64{a.Value}
		if op == libseccomp.CompareMaskedEqual {
			values = append(values, a.ValueTwo)
		}
		c, err := libseccomp.MakeCondition(a.Index, op, values...)
		if err != nil {
			return nil, fmt.Errorf("argument %d: %w", a.Index, err)
		}
		conds = append(conds, c)
	}
	return conds, nil
}
