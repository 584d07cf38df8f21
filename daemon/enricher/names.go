package enricher

import "github.com/securityprofiles/operator/internal/seccompfilter"

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
	name := seccompfilter.NameFromAudit(auditArch, id)
	if len(c.names) < c.max {
		c.names[nameKey{auditArch, id}] = name
	}
	return name
}
