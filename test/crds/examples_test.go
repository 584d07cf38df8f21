package crds

import (
	"os"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/securityprofiles/operator/test/envtest"
)

// manualExamples are the manual's operator manifests, as shipped in
// examples/. Each must be accepted exactly as written.
var manualExamples = []string{
	"seccompprofile.yaml",
	"seccompprofile-baseprofile.yaml",
	"seccompprofile-log.yaml",
	"seccompprofile-spoc-echo.yaml",
	"profilebinding.yaml",
	"profilerecording-logs.yaml",
	"profilerecording-bpf.yaml",
	"profilerecording-merge.yaml",
	"selinuxprofile.yaml",
	"apparmorprofile.yaml",
}

func readExample(name string) *unstructured.Unstructured {
	data, err := os.ReadFile(filepath.Join(envtest.RepoRoot(), "examples", name))
	Expect(err).NotTo(HaveOccurred())
	obj := &unstructured.Unstructured{}
	Expect(yaml.Unmarshal(data, &obj.Object)).To(Succeed())
	return obj
}

var _ = Describe("The manual's manifests", func() {
	for _, name := range manualExamples {
		It("accepts and round-trips "+name, func(ctx SpecContext) {
			obj := readExample(name)
			want := obj.Object["spec"]
			Expect(want).NotTo(BeNil(), "every manual example has a spec")
			// Each example runs in its own namespace: the manual reuses
			// names (profile1, test-recording) across examples.
			obj.SetNamespace(newNamespace(ctx))

			dry := obj.DeepCopy()
			Expect(env.Client.Create(ctx, dry, client.DryRunAll, client.FieldValidation("Strict"))).To(Succeed())
			Expect(env.Client.Create(ctx, obj, client.FieldValidation("Strict"))).To(Succeed())

			got := &unstructured.Unstructured{}
			got.SetGroupVersionKind(obj.GroupVersionKind())
			Expect(env.Client.Get(ctx, client.ObjectKeyFromObject(obj), got)).To(Succeed())
			Expect(got.Object["spec"]).To(ContainSubset(want))
		})
	}

	It("ships exactly the manual's ten manifests plus the base profiles", func() {
		entries, err := filepath.Glob(filepath.Join(envtest.RepoRoot(), "examples", "*.yaml"))
		Expect(err).NotTo(HaveOccurred())
		var names []string
		for _, e := range entries {
			names = append(names, filepath.Base(e))
		}
		Expect(names).To(ContainElements(manualExamples))
	})
})
