package seccompfilter

import (
	"fmt"
	"slices"
	"strings"

	libseccomp "github.com/seccomp/libseccomp-golang"
)

// newerSyscalls are syscalls newer than libseccomp 2.5.4's tables, with
// the number they have on every architecture's unified table.
var newerSyscalls = map[string]int{
	"statmount": 457, "listmount": 458, "lsm_get_self_attr": 459,
	"lsm_set_self_attr": 460, "lsm_list_modules": 461, "mseal": 462,
	"setxattrat": 463, "getxattrat": 464, "listxattrat": 465,
	"removexattrat": 466, "open_tree_attr": 467, "file_getattr": 468,
	"file_setattr": 469,
}

// LibraryVersion returns the version of the libseccomp this binary uses.
func LibraryVersion() string {
	major, minor, micro := libseccomp.GetLibraryVersion()
	return fmt.Sprintf("%d.%d.%d", major, minor, micro)
}

// NativeArch returns the architecture of this machine as profiles spell
// it, such as SCMP_ARCH_X86_64.
func NativeArch() (string, error) {
	arch, err := libseccomp.GetNativeArch()
	if err != nil {
		return "", fmt.Errorf("native seccomp architecture: %w", err)
	}
	return archName(arch), nil
}

// arches maps the architecture names profiles use to libseccomp's.
var arches = map[string]libseccomp.ScmpArch{
	"SCMP_ARCH_NATIVE": libseccomp.ArchNative, "SCMP_ARCH_X86": libseccomp.ArchX86,
	"SCMP_ARCH_X86_64": libseccomp.ArchAMD64, "SCMP_ARCH_X32": libseccomp.ArchX32,
	"SCMP_ARCH_ARM": libseccomp.ArchARM, "SCMP_ARCH_AARCH64": libseccomp.ArchARM64,
	"SCMP_ARCH_MIPS": libseccomp.ArchMIPS, "SCMP_ARCH_MIPS64": libseccomp.ArchMIPS64,
	"SCMP_ARCH_MIPS64N32": libseccomp.ArchMIPS64N32, "SCMP_ARCH_MIPSEL": libseccomp.ArchMIPSEL,
	"SCMP_ARCH_MIPSEL64": libseccomp.ArchMIPSEL64, "SCMP_ARCH_MIPSEL64N32": libseccomp.ArchMIPSEL64N32,
	"SCMP_ARCH_PPC": libseccomp.ArchPPC, "SCMP_ARCH_PPC64": libseccomp.ArchPPC64,
	"SCMP_ARCH_PPC64LE": libseccomp.ArchPPC64LE, "SCMP_ARCH_S390": libseccomp.ArchS390,
	"SCMP_ARCH_S390X": libseccomp.ArchS390X, "SCMP_ARCH_PARISC": libseccomp.ArchPARISC,
	"SCMP_ARCH_PARISC64": libseccomp.ArchPARISC64, "SCMP_ARCH_RISCV64": libseccomp.ArchRISCV64,
}

func archName(arch libseccomp.ScmpArch) string {
	for name, a := range arches {
		if a == arch && a != libseccomp.ArchNative {
			return name
		}
	}
	return "SCMP_ARCH_" + strings.ToUpper(arch.String())
}

func parseArch(name string) (libseccomp.ScmpArch, error) {
	arch, ok := arches[name]
	if !ok {
		return 0, fmt.Errorf("unknown architecture %q", name)
	}
	if arch == libseccomp.ArchNative {
		return libseccomp.GetNativeArch()
	}
	return arch, nil
}

// Resolved is the outcome of naming syscall numbers.
type Resolved struct {
	// Names are the names of the known numbers, sorted.
	Names []string
	// NotInLibseccomp are the names (also in Names) that only this
	// package's table knew, which this libseccomp cannot load.
	NotInLibseccomp []string
	// Unknown are numbers nobody could name; they cannot be in a profile.
	Unknown []uint32
}

// Names names syscall numbers of an architecture (e.g. SCMP_ARCH_X86_64).
func Names(arch string, ids []uint32) (Resolved, error) {
	a, err := parseArch(arch)
	if err != nil {
		return Resolved{}, err
	}
	var res Resolved
	for _, id := range ids {
		name, err := libseccomp.ScmpSyscall(int32(id)).GetNameByArch(a)
		if err == nil {
			res.Names = append(res.Names, name)
			continue
		}
		if newer, ok := newerName(a, int(id)); ok {
			res.Names = append(res.Names, newer)
			res.NotInLibseccomp = append(res.NotInLibseccomp, newer)
			continue
		}
		res.Unknown = append(res.Unknown, id)
	}
	slices.Sort(res.Names)
	res.Names = slices.Compact(res.Names)
	slices.Sort(res.NotInLibseccomp)
	return res, nil
}

// newerName names a number from newerSyscalls. x32 numbers carry an
// offset, so the table does not apply there.
func newerName(arch libseccomp.ScmpArch, id int) (string, bool) {
	if arch == libseccomp.ArchX32 {
		return "", false
	}
	for name, nr := range newerSyscalls {
		if nr == id {
			return name, true
		}
	}
	return "", false
}

// number returns a syscall's number on arch, from libseccomp or, for
// syscalls it predates, from newerSyscalls.
func number(arch libseccomp.ScmpArch, name string) (libseccomp.ScmpSyscall, bool) {
	if nr, err := libseccomp.GetSyscallFromNameByArch(name, arch); err == nil {
		return nr, true
	}
	if nr, ok := newerSyscalls[name]; ok && arch != libseccomp.ArchX32 {
		return libseccomp.ScmpSyscall(nr), true
	}
	return 0, false
}

// UnknownNames returns the names in names that arch has no syscall for,
// sorted.
func UnknownNames(arch string, names []string) ([]string, error) {
	a, err := parseArch(arch)
	if err != nil {
		return nil, err
	}
	var unknown []string
	for _, n := range names {
		if _, ok := number(a, n); !ok {
			unknown = append(unknown, n)
		}
	}
	slices.Sort(unknown)
	return slices.Compact(unknown), nil
}
