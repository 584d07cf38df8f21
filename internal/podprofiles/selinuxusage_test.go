package podprofiles

import (
	"testing"

	. "github.com/onsi/gomega"
)

func TestParseSelinuxUsage(t *testing.T) {
	g := NewWithT(t)
	key, ok := ParseSelinuxUsage(SelinuxUsage("nginx-deploy", "nginx-secure"))
	g.Expect(ok).To(BeTrue())
	g.Expect(key.String()).To(Equal("nginx-deploy/nginx-secure"))
	key, ok = ParseSelinuxUsage("my.profile_ns.process")
	g.Expect(ok).To(BeTrue())
	g.Expect(key.String()).To(Equal("ns/my.profile"))
	for _, notOurs := range []string{"spc_t", "container_t", "selinuxrecording.process", "a_b_c.process", "_ns.process", "p_.process", "p_ns.process.x"} {
		_, ok := ParseSelinuxUsage(notOurs)
		g.Expect(ok).To(BeFalse(), notOurs)
	}
}
