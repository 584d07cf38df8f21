package kubeletdir

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Default is the kubelet root when nothing says otherwise.
const Default = "/var/lib/kubelet"

// FromLabel turns a kubelet.kubernetes.io/directory-location label value
// into a path: "mnt-resource-kubelet" means /mnt/resource/kubelet. Each
// segment must be a plain file name, so a label can never point outside
// the root file system's tree (no "..", no empty segments).
func FromLabel(value string) (string, error) {
	if value == "" {
		return "", fmt.Errorf("empty directory-location label")
	}
	segments := strings.Split(value, "-")
	for _, s := range segments {
		if s == "" || s == "." || s == ".." || strings.ContainsAny(s, "/\x00") {
			return "", fmt.Errorf("directory-location label %q: segment %q is not a plain directory name", value, s)
		}
	}
	return "/" + filepath.Join(segments...), nil
}

// Resolve picks the kubelet root: the node's directory-location label,
// else the KUBELET_DIR environment value, else Default. env must be an
// absolute path.
func Resolve(label, env string) (string, error) {
	if label != "" {
		return FromLabel(label)
	}
	if env != "" {
		if !filepath.IsAbs(env) {
			return "", fmt.Errorf("KUBELET_DIR %q is not an absolute path", env)
		}
		return filepath.Clean(env), nil
	}
	return Default, nil
}
