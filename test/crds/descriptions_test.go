package crds

import (
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"

	"github.com/securityprofiles/operator/test/envtest"
)

// undescribed walks a schema and returns the paths of properties without a
// description, which `kubectl explain` would show blank.
func undescribed(path string, s *apiextensionsv1.JSONSchemaProps) []string {
	var out []string
	for name, p := range s.Properties {
		p := p
		child := path + "." + name
		// controller-gen leaves the root metadata schema bare; the API
		// server publishes ObjectMeta's own documentation for it (checked
		// with kubectl explain in kubectl_test.go).
		if p.Description == "" && child != rootMetadata(path) {
			out = append(out, child)
		}
		out = append(out, undescribed(child, &p)...)
	}
	if s.Items != nil && s.Items.Schema != nil {
		out = append(out, undescribed(path+"[]", s.Items.Schema)...)
	}
	if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
		out = append(out, undescribed(path+"{}", s.AdditionalProperties.Schema)...)
	}
	return out
}

func rootMetadata(path string) string {
	if strings.Contains(path, ".") {
		return ""
	}
	return path + ".metadata"
}

var _ = Describe("CRD documentation", func() {
	It("describes every field of every CRD", func() {
		files, err := filepath.Glob(filepath.Join(envtest.RepoRoot(), "config", "crd", "bases", "*.yaml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(files).To(HaveLen(8))
		for _, f := range files {
			data, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			crd := &apiextensionsv1.CustomResourceDefinition{}
			Expect(yaml.Unmarshal(data, crd)).To(Succeed())
			for _, v := range crd.Spec.Versions {
				// apiVersion, kind and metadata come with descriptions from
				// the ObjectMeta/TypeMeta docs; every property must have one.
				Expect(undescribed(crd.Spec.Names.Kind, v.Schema.OpenAPIV3Schema)).To(BeEmpty(), f)
			}
		}
	})
})
