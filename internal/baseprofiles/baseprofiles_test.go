package baseprofiles

import (
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"
)

func TestShippedProfiles(t *testing.T) {
	g := NewWithT(t)
	g.Expect(Names()).To(ConsistOf("runc-v1.1.4", "crun-v1.8.1"))
	spec, ok := Get("runc-v1.1.4")
	g.Expect(ok).To(BeTrue())
	g.Expect(spec.Syscalls).NotTo(BeEmpty())
	g.Expect(spec.Syscalls[0].Names).To(ContainElement(BeEquivalentTo("execve")))
	_, ok = Get("runc-v0.0.0")
	g.Expect(ok).To(BeFalse())
}

// The examples a user applies are the very profiles the operator resolves.
func TestExamplesMatchShippedProfiles(t *testing.T) {
	g := NewWithT(t)
	for example, name := range map[string]string{
		"baseprofile-runc.yaml": "runc-v1.1.4",
		"baseprofile-crun.yaml": "crun-v1.8.1",
	} {
		want, err := File(name)
		g.Expect(err).NotTo(HaveOccurred())
		got, err := os.ReadFile(filepath.Join("..", "..", "examples", example))
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(string(got)).To(Equal(string(want)), example)
	}
}
