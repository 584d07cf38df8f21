package main

import (
	"fmt"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

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
	var examples []*unstructured.Unstructured
	for _, f := range bundle.Examples {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		objs, err := manifests.Objects(data)
		if err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		examples = append(examples, objs...)
	}
	files, err := bundle.Files(objs, examples, namespace, version)
	if err != nil {
		return err
	}
	return writeFiles(root, []string{"manifests", "metadata", "bundle.Dockerfile"}, files)
}
