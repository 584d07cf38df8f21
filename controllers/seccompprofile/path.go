package seccompprofile

import (
	"path/filepath"
	"slices"

	"github.com/securityprofiles/operator/apis/keys"
	"github.com/securityprofiles/operator/internal/kubeletdir"
	"github.com/securityprofiles/operator/internal/podprofiles"
)

// KubeletRoot is a node's kubelet root as the manager can tell it: the
// node's directory-location label (see keys.NodeDirectoryLocationLabel),
// else kubeletdir.Default. An invalid label counts as the default; the
// node's daemon reports it.
func KubeletRoot(labels map[string]string) string {
	root, err := kubeletdir.Resolve(labels[keys.NodeDirectoryLocationLabel], "")
	if err != nil {
		return kubeletdir.Default
	}
	return root
}

// ProfilePath is status.path: the profile's file below the kubelet root
// all nodes share (roots, one per node), or below kubeletdir.Default
// when they differ or there are no nodes.
func ProfilePath(roots []string, namespace, name string) string {
	root := kubeletdir.Default
	if len(roots) > 0 && !slices.ContainsFunc(roots, func(r string) bool { return r != roots[0] }) {
		root = roots[0]
	}
	return filepath.Join(root, "seccomp", podprofiles.LocalhostPath(namespace, name))
}
