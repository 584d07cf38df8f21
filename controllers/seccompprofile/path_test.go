package seccompprofile

import (
	"testing"

	"github.com/securityprofiles/operator/apis/keys"
)

func TestProfilePath(t *testing.T) {
	label := func(v string) map[string]string { return map[string]string{keys.NodeDirectoryLocationLabel: v} }
	for _, tc := range []struct {
		name  string
		roots []string
		want  string
	}{
		{name: "no nodes", want: "/var/lib/kubelet/seccomp/operator/ns/p.json"},
		{name: "default roots", roots: []string{KubeletRoot(nil), KubeletRoot(label(""))}, want: "/var/lib/kubelet/seccomp/operator/ns/p.json"},
		{name: "all nodes agree on a label", roots: []string{KubeletRoot(label("mnt-kubelet")), KubeletRoot(label("mnt-kubelet"))}, want: "/mnt/kubelet/seccomp/operator/ns/p.json"},
		{name: "nodes differ", roots: []string{KubeletRoot(label("mnt-kubelet")), KubeletRoot(nil)}, want: "/var/lib/kubelet/seccomp/operator/ns/p.json"},
		{name: "invalid label counts as default", roots: []string{KubeletRoot(label("mnt-..-etc"))}, want: "/var/lib/kubelet/seccomp/operator/ns/p.json"},
	} {
		if got := ProfilePath(tc.roots, "ns", "p"); got != tc.want {
			t.Errorf("%s: ProfilePath = %q, want %q", tc.name, got, tc.want)
		}
	}
}
