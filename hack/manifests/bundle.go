package main

import (
	"github.com/securityprofiles/operator/internal/bundle"
	"github.com/securityprofiles/operator/internal/manifests"
)

const (
	bundleDir = "bundle"
	// namespace is the default overlay's namespace; OLM replaces it with
	// the namespace it installs into.
	namespace = "security-profiles-operator"
)

// writeBundle regenerates the OLM bundle from the default overlay.
func writeBundle(root, version string) error {
	objs, err := renderObjects(manifests.Default)
	if err != nil {
		return err
	}
	files, err := bundle.Files(objs, namespace, version)
	if err != nil {
		return err
	}
	return writeFiles(root, []string{"manifests", "metadata", "bundle.Dockerfile"}, files)
}
