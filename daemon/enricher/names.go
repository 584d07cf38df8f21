package enricher

import (
	"math"

	"github.com/securityprofiles/operator/internal/seccompfilter"
)

// auditArches maps the AUDIT_ARCH_* values of seccomp records (hex, as
// the kernel prints them) to libseccomp's architecture names.
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

// nameCacheSize bounds the names cache: syscall numbers in records are
// whatever a process passed to syscall(2), so they are unbounded.
const nameCacheSize = 4096

type nameKey struct {
	arch string
	id   int
}

// nameCache names syscall numbers per architecture with libseccomp,
// remembering up to max answers (unknown numbers too). Not safe for
// concurrent use.
type nameCache struct {
	max   int
	names map[nameKey]string
}

func newNameCache(max int) *nameCache {
	return &nameCache{max: max, names: make(map[nameKey]string)}
}

// name returns the syscall's name, or "" when the architecture or the
// number is unknown.
func (c *nameCache) name(auditArch string, id int) string {
	if name, ok := c.names[nameKey{auditArch, id}]; ok {
		return name
	}
	name := resolveName(auditArch, id)
	if len(c.names) < c.max {
		c.names[nameKey{auditArch, id}] = name
	}
	return name
}

func resolveName(auditArch string, id int) string {
	arch, ok := auditArches[auditArch]
	if !ok || id < 0 || id > math.MaxUint32 {
		return ""
	}
	if arch == "SCMP_ARCH_X86_64" && id&x32SyscallBit != 0 {
		arch = "SCMP_ARCH_X32"
	}
	res, err := seccompfilter.Names(arch, []uint32{uint32(id)})
	if err != nil || len(res.Names) != 1 {
		return ""
	}
	return res.Names[0]
}
