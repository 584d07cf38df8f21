package install

import (
	"os"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/securityprofiles/operator/internal/manifests"
	"github.com/securityprofiles/operator/test/envtest"
)

const operatorNamespace = "security-profiles-operator"

// render builds an overlay from the repository root.
func render(overlay string) []byte {
	out, err := manifests.Render(filepath.Join(envtest.RepoRoot(), overlay))
	Expect(err).NotTo(HaveOccurred())
	return out
}

func objects(stream []byte) []*unstructured.Unstructured {
	objs, err := manifests.Objects(stream)
	Expect(err).NotTo(HaveOccurred())
	return objs
}

// find returns the object of that kind and name, failing the spec if
// there is none.
func find(objs []*unstructured.Unstructured, kind, namespace, name string) *unstructured.Unstructured {
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name && o.GetNamespace() == namespace {
			return o
		}
	}
	Fail("no " + kind + " " + namespace + "/" + name)
	return nil
}

var _ = Describe("kustomize overlays", func() {
	It("deploy/*.yaml are the current renderings of their overlays", func() {
		for overlay, file := range map[string]string{
			manifests.Default:    "deploy/operator.yaml",
			manifests.Namespaced: "deploy/namespace-operator.yaml",
		} {
			committed, err := os.ReadFile(filepath.Join(envtest.RepoRoot(), file))
			Expect(err).NotTo(HaveOccurred())
			_, body, found := strings.Cut(string(committed), "\n")
			Expect(found).To(BeTrue())
			Expect(body).To(Equal(string(render(overlay))), "%s is stale: run make manifests", file)
		}
	})

	It("the default install applies to the API server", func(ctx SpecContext) {
		stream := render(manifests.Default)
		objs := objects(stream)
		kinds := map[string]int{}
		for _, o := range objs {
			kinds[o.GetKind()]++
		}
		Expect(kinds).To(HaveKeyWithValue("CustomResourceDefinition", 8))
		Expect(kinds).To(HaveKeyWithValue("ServiceAccount", 3))
		Expect(kinds).To(HaveKeyWithValue("Deployment", 1))
		ensureNamespace(ctx, operatorNamespace)
		out := dryRunApply(stream)
		Expect(out).To(ContainSubstring("deployment.apps/security-profiles-operator serverside-applied (server dry run)"))
	})

	It("every component's service account is bound to its generated role", func() {
		objs := objects(render(manifests.Default))
		for sa, role := range map[string]string{"security-profiles-operator": "spo-manager", "spod": "spod", "spo-webhook": "spo-webhook"} {
			find(objs, "ServiceAccount", operatorNamespace, sa)
			find(objs, "ClusterRole", "", role)
			binding := find(objs, "ClusterRoleBinding", "", role)
			subjects, _, _ := unstructured.NestedSlice(binding.Object, "subjects")
			Expect(subjects).To(ConsistOf(HaveKeyWithValue("name", sa)))
			Expect(subjects[0]).To(HaveKeyWithValue("namespace", operatorNamespace))
		}
	})

	It("the manager runs unprivileged and deploys the images it is given", func() {
		deploy := find(objects(render(manifests.Default)), "Deployment", operatorNamespace, "security-profiles-operator")
		spec, _, _ := unstructured.NestedMap(deploy.Object, "spec", "template", "spec")
		Expect(spec).To(HaveKeyWithValue("serviceAccountName", "security-profiles-operator"))
		Expect(spec["securityContext"]).To(HaveKeyWithValue("runAsNonRoot", true))
		container := spec["containers"].([]any)[0].(map[string]any)
		Expect(container["securityContext"]).To(And(
			HaveKeyWithValue("allowPrivilegeEscalation", false),
			HaveKeyWithValue("readOnlyRootFilesystem", true)))
		env := map[string]any{}
		for _, e := range container["env"].([]any) {
			env[e.(map[string]any)["name"].(string)] = e
		}
		Expect(env).To(HaveKey("RELATED_IMAGE_DAEMON"))
		Expect(env).To(HaveKey("RELATED_IMAGE_WEBHOOK"))
		Expect(env).To(HaveKey("OPERATOR_NAMESPACE"))
	})

	It("the namespaced install applies once NS_REPLACE names a namespace", func(ctx SpecContext) {
		stream := strings.ReplaceAll(string(render(manifests.Namespaced)), "NS_REPLACE", "team-a")
		ensureNamespace(ctx, operatorNamespace)
		ensureNamespace(ctx, "team-a")
		dryRunApply([]byte(stream))
		objs := objects([]byte(stream))
		for _, o := range objs {
			Expect(o.GetKind() == "ClusterRoleBinding" && o.GetName() == "spo-manager").To(BeFalse(),
				"the namespaced install must not grant the manager's role cluster-wide")
		}
		find(objs, "RoleBinding", operatorNamespace, "spo-manager-restricted")
		find(objs, "RoleBinding", "team-a", "spo-manager-restricted")
		deploy := find(objs, "Deployment", operatorNamespace, "security-profiles-operator")
		Expect(deploy.Object).To(HaveKey("spec"))
		Expect(stream).To(ContainSubstring("name: RESTRICT_TO_NAMESPACE\n          value: team-a"))
	})

	It("the other overlays render and apply", func(ctx SpecContext) {
		ensureNamespace(ctx, operatorNamespace)
		ensureNamespace(ctx, "monitoring")
		for _, overlay := range []string{manifests.Prometheus, manifests.CertManager, "config/local"} {
			dryRunApply(render(overlay))
		}
		local := find(objects(render("config/local")), "Deployment", operatorNamespace, "security-profiles-operator")
		containers, _, _ := unstructured.NestedSlice(local.Object, "spec", "template", "spec", "containers")
		Expect(containers[0]).To(HaveKeyWithValue("image", "localhost/security-profiles-operator:local"))
		certManager := find(objects(render(manifests.CertManager)), "Deployment", operatorNamespace, "security-profiles-operator")
		containers, _, _ = unstructured.NestedSlice(certManager.Object, "spec", "template", "spec", "containers")
		Expect(containers[0].(map[string]any)["env"]).To(ContainElement(
			map[string]any{"name": "REQUIRE_CERT_MANAGER", "value": "true"}))
	})
})
