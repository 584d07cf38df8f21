package install

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	apimanifests "github.com/operator-framework/api/pkg/manifests"
	"github.com/operator-framework/api/pkg/validation"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/securityprofiles/operator/internal/bundle"
	"github.com/securityprofiles/operator/internal/manifests"
	"github.com/securityprofiles/operator/test/envtest"
)

const bundleDir = "bundle"

// csv reads the committed ClusterServiceVersion.
func csv() *unstructured.Unstructured {
	data, err := os.ReadFile(filepath.Join(envtest.RepoRoot(), bundleDir, "manifests", bundle.Package+".clusterserviceversion.yaml"))
	Expect(err).NotTo(HaveOccurred())
	objs := objects(data)
	Expect(objs).To(HaveLen(1))
	return objs[0]
}

// bundleRoles turns the CSV's permissions into the Roles and ClusterRoles
// OLM creates from them, plus the bundle's extra ClusterRoles, for the
// RBAC checks every install path goes through.
func bundleRoles() []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	c := csv()
	for field, kind := range map[string]string{"clusterPermissions": "ClusterRole", "permissions": "Role"} {
		perms, _, _ := unstructured.NestedSlice(c.Object, "spec", "install", "spec", field)
		for _, p := range perms {
			m := p.(map[string]any)
			role := &unstructured.Unstructured{Object: map[string]any{"rules": m["rules"]}}
			role.SetKind(kind)
			role.SetName(m["serviceAccountName"].(string))
			out = append(out, role)
		}
	}
	extra, err := filepath.Glob(filepath.Join(envtest.RepoRoot(), bundleDir, "manifests", "*_clusterrole.yaml"))
	Expect(err).NotTo(HaveOccurred())
	for _, f := range extra {
		data, err := os.ReadFile(f)
		Expect(err).NotTo(HaveOccurred())
		out = append(out, objects(data)...)
	}
	return out
}

var _ = Describe("OLM bundle", func() {
	It("passes operator-framework's bundle validators", func() {
		b, err := apimanifests.GetBundleFromDir(filepath.Join(envtest.RepoRoot(), bundleDir))
		Expect(err).NotTo(HaveOccurred())
		Expect(b.CSV.GetName()).To(Equal(bundle.CSVName(b.CSV.Spec.Version.String())))
		Expect(b.V1CRDs).To(HaveLen(8))
		Expect(b.Package).To(Equal(bundle.Package))
		Expect(b.DefaultChannel).To(Equal(bundle.Channel))
		results := validation.DefaultBundleValidators.WithValidators(validation.ObjectValidator).Validate(b.ObjectsToValidate()...)
		for _, r := range results {
			for _, w := range r.Warnings {
				GinkgoWriter.Printf("validator warning: %s: %s\n", r.Name, w.Error())
			}
			Expect(r.Errors).To(BeEmpty(), "validator errors for %s", r.Name)
		}
	})

	It("is the current generation from config/default", func() {
		version, _, _ := unstructured.NestedString(csv().Object, "spec", "version")
		var examples []*unstructured.Unstructured
		for _, f := range bundle.Examples {
			data, err := os.ReadFile(filepath.Join(envtest.RepoRoot(), f))
			Expect(err).NotTo(HaveOccurred())
			examples = append(examples, objects(data)...)
		}
		files, err := bundle.Files(objects(render(manifests.Default)), examples, operatorNamespace, version)
		Expect(err).NotTo(HaveOccurred())
		for name, want := range files {
			got, err := os.ReadFile(filepath.Join(envtest.RepoRoot(), bundleDir, name))
			Expect(err).NotTo(HaveOccurred())
			Expect(string(got)).To(Equal(string(want)), "bundle/%s is stale: run make bundle", name)
		}
		onDisk, err := filepath.Glob(filepath.Join(envtest.RepoRoot(), bundleDir, "manifests", "*"))
		Expect(err).NotTo(HaveOccurred())
		Expect(onDisk).To(HaveLen(len(files)-2), "bundle/manifests holds files make bundle does not write")
	})

	It("installs the manager Deployment of config/default with the roles of its service accounts", func() {
		objs := objects(render(manifests.Default))
		deploy := find(objs, "Deployment", operatorNamespace, "security-profiles-operator")
		strategy, _, _ := unstructured.NestedMap(csv().Object, "spec", "install")
		Expect(strategy).To(HaveKeyWithValue("strategy", "deployment"))
		deployments, _, _ := unstructured.NestedSlice(strategy, "spec", "deployments")
		Expect(deployments).To(HaveLen(1))
		Expect(deployments[0]).To(HaveKeyWithValue("name", "security-profiles-operator"))
		Expect(deployments[0]).To(HaveKeyWithValue("spec", deploy.Object["spec"]))

		want := map[string]any{}
		for sa, role := range map[string]string{"security-profiles-operator": "spo-manager", "spod": "spod", "spo-webhook": "spo-webhook"} {
			want[sa] = find(objs, "ClusterRole", "", role).Object["rules"]
		}
		got := map[string]any{}
		perms, _, _ := unstructured.NestedSlice(strategy, "spec", "clusterPermissions")
		for _, p := range perms {
			got[p.(map[string]any)["serviceAccountName"].(string)] = p.(map[string]any)["rules"]
		}
		Expect(got).To(Equal(want))

		// Roles bound in the operator's namespace become namespaced permissions.
		wantNamespaced := map[string]any{}
		for _, o := range objs {
			if o.GetKind() != "RoleBinding" || o.GetNamespace() != operatorNamespace {
				continue
			}
			ref, _, _ := unstructured.NestedString(o.Object, "roleRef", "name")
			subjects, _, _ := unstructured.NestedSlice(o.Object, "subjects")
			sa := subjects[0].(map[string]any)["name"].(string)
			wantNamespaced[sa] = find(objs, "Role", operatorNamespace, ref).Object["rules"]
		}
		gotNamespaced := map[string]any{}
		perms, _, _ = unstructured.NestedSlice(strategy, "spec", "permissions")
		for _, p := range perms {
			gotNamespaced[p.(map[string]any)["serviceAccountName"].(string)] = p.(map[string]any)["rules"]
		}
		Expect(gotNamespaced).To(Equal(wantNamespaced))
	})

	It("lists the images the manager runs and deploys", func() {
		spec, _, _ := unstructured.NestedMap(csv().Object, "spec")
		images := map[string]string{}
		for _, i := range spec["relatedImages"].([]any) {
			images[i.(map[string]any)["name"].(string)] = i.(map[string]any)["image"].(string)
		}
		Expect(images).To(HaveKeyWithValue("manager", "registry.k8s.io/security-profiles-operator/security-profiles-operator:v0.1.0"))
		Expect(images).To(HaveKeyWithValue("daemon", "registry.k8s.io/security-profiles-operator/security-profiles-operator-daemon:v0.1.0"))
		Expect(images).To(HaveKeyWithValue("webhook", "registry.k8s.io/security-profiles-operator/security-profiles-operator-webhook:v0.1.0"))
		Expect(images).To(HaveKeyWithValue("selinuxd", "quay.io/security-profiles-operator/selinuxd:latest"))
		Expect(spec).To(HaveKey("minKubeVersion"))
		modes := map[string]any{}
		for _, m := range spec["installModes"].([]any) {
			modes[m.(map[string]any)["type"].(string)] = m.(map[string]any)["supported"]
		}
		Expect(modes).To(Equal(map[string]any{"AllNamespaces": true, "OwnNamespace": true, "SingleNamespace": true, "MultiNamespace": false}))
	})

	It("owns every CRD of config/crd/bases, at its storage version", func() {
		bases, err := filepath.Glob(filepath.Join(envtest.RepoRoot(), "config/crd/bases/*.yaml"))
		Expect(err).NotTo(HaveOccurred())
		Expect(bases).To(HaveLen(8))
		var want []any
		for _, f := range bases {
			data, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			crd := objects(data)[0]
			kind, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "kind")
			versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
			for _, v := range versions {
				if v.(map[string]any)["storage"] == true {
					want = append(want, And(
						HaveKeyWithValue("name", crd.GetName()),
						HaveKeyWithValue("kind", kind),
						HaveKeyWithValue("version", v.(map[string]any)["name"]),
						HaveKeyWithValue("displayName", Not(BeEmpty())),
						HaveKeyWithValue("description", Not(BeEmpty()))))
				}
			}
			// The bundle's copy is the CRD plus the overlay's part-of label.
			bundled, err := os.ReadFile(filepath.Join(envtest.RepoRoot(), bundleDir, "manifests", filepath.Base(f)))
			Expect(err).NotTo(HaveOccurred())
			got := objects(bundled)[0]
			unstructured.RemoveNestedField(got.Object, "metadata", "labels")
			Expect(got.Object).To(Equal(crd.Object), "bundle copy of %s", filepath.Base(f))
		}
		owned, _, _ := unstructured.NestedSlice(csv().Object, "spec", "customresourcedefinitions", "owned")
		Expect(owned).To(ConsistOf(want...))
	})

	It("offers alm-examples the API server accepts", func(ctx SpecContext) {
		annotations := csv().GetAnnotations()
		var examples []map[string]any
		Expect(json.Unmarshal([]byte(annotations["alm-examples"]), &examples)).To(Succeed())
		Expect(len(examples)).To(BeNumerically(">=", 6))
		var stream []byte
		for _, e := range examples {
			out, err := yaml.Marshal(e)
			Expect(err).NotTo(HaveOccurred())
			stream = append(append(stream, "---\n"...), out...)
		}
		ensureNamespace(ctx, "olm-examples")
		cmd := exec.Command(envtest.Kubectl(), "--kubeconfig", kubeconfig, "--namespace", "olm-examples",
			"apply", "--server-side", "--dry-run=server", "-f", "-")
		cmd.Stdin = bytes.NewReader(stream)
		out, err := cmd.CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), "%s", out)
	})

	It("applies its CRDs and extra manifests to the API server", func() {
		var stream []byte
		files, err := filepath.Glob(filepath.Join(envtest.RepoRoot(), bundleDir, "manifests", "*.yaml"))
		Expect(err).NotTo(HaveOccurred())
		for _, f := range files {
			data, err := os.ReadFile(f)
			Expect(err).NotTo(HaveOccurred())
			var obj map[string]any
			Expect(yaml.Unmarshal(data, &obj)).To(Succeed())
			if obj["kind"] == "ClusterServiceVersion" {
				continue // OLM's CRDs are not installed in the test API server
			}
			stream = append(append(stream, "---\n"...), data...)
		}
		dryRunApply(stream)
	})
})
