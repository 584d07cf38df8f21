package auditnetlink

import (
	"testing"

	. "github.com/onsi/gomega"
)

func TestNetNSIsInitial(t *testing.T) {
	g := NewWithT(t)
	for _, c := range []struct {
		inode            uint64
		release          string
		initial, certain bool
	}{
		{initNetNSInode, "6.18.44-fc", true, true},
		{initNetNSInode, "5.10.0-28-amd64", true, true},
		{4026532177, "6.18.44-fc-v669", false, true},
		{4026532177, "6.18-rc1", false, true},
		{4026532177, "6.18rc1", false, true},
		{4026532177, "7.0", false, true},
		{4026531840, "6.17.9", false, false},
		{4026531840, "6.1.0-17-cloud-amd64", false, false},
		{4026531840, "5.10.0-28-amd64", false, false},
		{4026531840, "6", false, false},
		{4026531840, "garbage", false, false},
	} {
		initial, certain := NetNSIsInitial(c.inode, c.release)
		g.Expect([]bool{initial, certain}).To(Equal([]bool{c.initial, c.certain}), "%d %s", c.inode, c.release)
	}
}
