package nodestatus

import (
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/util/validation"
)

func TestNamesFitTheAPI(t *testing.T) {
	g := NewWithT(t)
	g.Expect(Name("SeccompProfile", "profile1", "node-a")).To(Equal("seccompprofile-profile1-node-a"))
	long := strings.Repeat("a", 253)
	for _, n := range []string{Name("SeccompProfile", long, long), Name("SeccompProfile", "p", long)} {
		g.Expect(validation.IsDNS1123Subdomain(n)).To(BeEmpty(), n)
	}
	g.Expect(Name("SeccompProfile", long, "a")).NotTo(Equal(Name("SeccompProfile", long, "b")))

	g.Expect(ProfileID("SeccompProfile", "profile1")).To(Equal("SeccompProfile-profile1"))
	v1, v2 := LabelValue(long+"x"), LabelValue(long+"y")
	g.Expect(validation.IsValidLabelValue(v1)).To(BeEmpty())
	g.Expect(v1).NotTo(Equal(v2))
}
