package seccompfilter

import "math"

// auditArches maps the AUDIT_ARCH_* values of seccomp audit records (hex,
// as the kernel prints them in arch=) to libseccomp's architecture names.
var auditArches = map[string]string{
	"c000003e": "SCMP_ARCH_X86_64",
	"40000003": "SCMP_ARCH_X86",
	"c00000b7": "SCMP_ARCH_AARCH64",
	"40000028": "SCMP_ARCH_ARM",
	"c0000015": "SCMP_ARCH_PPC64LE",
	"80000016": "SCMP_ARCH_S390X",
	"c00000f3": "SCMP_ARCH_RISCV64",
}

// x32SyscallBit marks an x32 syscall made on x86_64 (whose records carry
// the x86_64 arch); libseccomp's x32 table numbers them with the bit set.
const x32SyscallBit = 0x40000000

// NameFromAudit names the syscall of a seccomp audit record from its
// arch= and syscall= values, or returns "" when the architecture or the
// number is unknown. Record numbers are whatever a process passed to
// syscall(2), so callers that see many should cache the answers.
func NameFromAudit(auditArch string, id int) string {
	arch, ok := auditArches[auditArch]
	if !ok || id < 0 || id > math.MaxUint32 {
		return ""
	}
	if arch == "SCMP_ARCH_X86_64" && id&x32SyscallBit != 0 {
		arch = "SCMP_ARCH_X32"
	}
	res, err := Names(arch, []uint32{uint32(id)})
	if err != nil || len(res.Names) != 1 {
		return ""
	}
	return res.Names[0]
}
