package kubeletdir

import (
	"path/filepath"
	"testing"
)

func TestResolve(t *testing.T) {
	for _, tc := range []struct {
		label, env, want string
		err              bool
	}{
		{want: Default},
		{env: "/data/kubelet", want: "/data/kubelet"},
		{env: "/data/kubelet/", want: "/data/kubelet"},
		{label: "mnt-resource-kubelet", env: "/ignored", want: "/mnt/resource/kubelet"},
		{label: "kubelet", want: "/kubelet"},
		{env: "relative/dir", err: true},
		{label: "mnt--kubelet", err: true},
		{label: "mnt-..-etc", err: true},
		{label: "-mnt", err: true},
		{label: "mnt-a/b", err: true},
	} {
		got, err := Resolve(tc.label, tc.env)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("Resolve(%q, %q) = %q, %v; want %q, error %v", tc.label, tc.env, got, err, tc.want, tc.err)
		}
	}
}

func FuzzFromLabel(f *testing.F) {
	f.Add("mnt-resource-kubelet")
	f.Add("..-..-etc")
	// Labels whose naive "-" to "/" translation is unclean: "/mnt//kubelet",
	// "/mnt/./kubelet", "/mnt/kubelet/".
	f.Add("mnt--kubelet")
	f.Add("mnt-.-kubelet")
	f.Add("mnt-kubelet-")
	f.Fuzz(func(t *testing.T, label string) {
		p, err := FromLabel(label)
		if err != nil {
			return
		}
		// Whatever the label, the path is absolute and clean. A clean
		// absolute path has no ".." element either: Clean removes them.
		if !filepath.IsAbs(p) || filepath.Clean(p) != p {
			t.Fatalf("FromLabel(%q) = %q escapes or is unclean", label, p)
		}
	})
}
