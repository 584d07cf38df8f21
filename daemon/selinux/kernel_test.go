package selinux_test

import (
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/securityprofiles/operator/daemon/selinux"
)

func TestKernelEnabled(t *testing.T) {
	for _, tc := range []struct {
		name        string
		filesystems string
		want        bool
	}{
		{name: "selinuxfs registered", want: true,
			filesystems: "nodev\tsysfs\nnodev\ttmpfs\nnodev\tselinuxfs\n\text4\n"},
		{name: "compiled in but disabled lists no selinuxfs", want: false,
			filesystems: "nodev\tsysfs\nnodev\tsecurityfs\n\text4\n"},
		{name: "a name that only contains selinuxfs", want: false,
			filesystems: "nodev\tnotselinuxfs\nnodev\tselinuxfs2\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			proc := t.TempDir()
			g.Expect(os.WriteFile(filepath.Join(proc, "filesystems"), []byte(tc.filesystems), 0o644)).To(Succeed())
			got, err := selinux.KernelEnabled(proc)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got).To(Equal(tc.want))
		})
	}
}

func TestKernelEnabledWithoutProc(t *testing.T) {
	_, err := selinux.KernelEnabled(t.TempDir())
	NewWithT(t).Expect(err).To(MatchError(ContainSubstring("filesystems")))
}
