package nodestatus

import (
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/util/validation"

	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
)

func TestNamesFitTheAPI(t *testing.T) {
	g := NewWithT(t)
	g.Expect(Name("SeccompProfile", "profile1", "node-a")).To(HavePrefix("seccompprofile-profile1-node-a-"),
		"short names stay readable")
	long := strings.Repeat("a", 253)
	for _, n := range []string{Name("SeccompProfile", long, long), Name("SeccompProfile", "p", long),
		Name("SeccompProfile", long, "n"), Name("SeccompProfile", strings.Repeat("a.", 126)+"a", "node.example.com")} {
		g.Expect(validation.IsDNS1123Subdomain(n)).To(BeEmpty(), n)
	}
	g.Expect(Name("SeccompProfile", long, "a")).NotTo(Equal(Name("SeccompProfile", long, "b")))

	g.Expect(ProfileID("SeccompProfile", "profile1")).To(Equal("SeccompProfile-profile1"))
	v1, v2 := LabelValue(long+"x"), LabelValue(long+"y")
	g.Expect(validation.IsValidLabelValue(v1)).To(BeEmpty())
	g.Expect(v1).NotTo(Equal(v2))
}

// TestNamesAreUniquePerKindProfileAndNode: "-" and "." may appear in
// profile and node names alike, so no separator alone keeps the parts
// apart.
func TestNamesAreUniquePerKindProfileAndNode(t *testing.T) {
	type tuple struct {
		kind          nodestatusv1alpha1.ProfileKind
		profile, node string
	}
	for _, pair := range [][2]tuple{
		{{"SeccompProfile", "x", "gpu-node-1"}, {"SeccompProfile", "x-gpu", "node-1"}},
		{{"SeccompProfile", "a.b", "c"}, {"SeccompProfile", "a", "b.c"}},
		{{"SelinuxProfile", "seccompprofile-x", "n"}, {"SeccompProfile", "x", "n"}},
		{{"SeccompProfile", "profile-seccompprofile", "n"}, {"SeccompProfile", "profile", "seccompprofile-n"}},
	} {
		a, b := pair[0], pair[1]
		if Name(a.kind, a.profile, a.node) == Name(b.kind, b.profile, b.node) {
			t.Errorf("%+v and %+v share the name %s", a, b, Name(a.kind, a.profile, a.node))
		}
	}
}
