package install

import (
	"path/filepath"
	"sort"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/securityprofiles/operator/internal/manifests"
	"github.com/securityprofiles/operator/test/envtest"
)

const chartDir = "deploy/helm"

// helmRender renders the chart the way `helm install --namespace
// security-profiles-operator` would: its crds/ files, then its templates
// in file order. Helm labels nothing by itself at render time, and the chart
// adds no labels of its own, so the objects compare with kustomize's as
// they are.
func helmRender(values map[string]any) []byte {
	chrt, err := loader.Load(filepath.Join(envtest.RepoRoot(), chartDir))
	Expect(err).NotTo(HaveOccurred())
	vals, err := chartutil.ToRenderValues(chrt, values,
		chartutil.ReleaseOptions{Name: "security-profiles-operator", Namespace: operatorNamespace, IsInstall: true},
		chartutil.DefaultCapabilities)
	Expect(err).NotTo(HaveOccurred())
	rendered, err := engine.Render(chrt, vals)
	Expect(err).NotTo(HaveOccurred())
	var stream strings.Builder
	for _, crd := range chrt.CRDObjects() {
		stream.WriteString("---\n")
		stream.Write(crd.File.Data)
	}
	names := make([]string, 0, len(rendered))
	for name := range rendered {
		if strings.HasSuffix(name, ".yaml") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		stream.WriteString("\n---\n")
		stream.WriteString(rendered[name])
	}
	return []byte(stream.String())
}

// withoutNamespaces drops Namespace objects: Helm users create the release
// namespace themselves.
func withoutNamespaces(objs []*unstructured.Unstructured) []*unstructured.Unstructured {
	var out []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() != "Namespace" {
			out = append(out, o)
		}
	}
	return out
}

// byKey indexes objects by kind, namespace and name, failing on duplicates.
func byKey(objs []*unstructured.Unstructured) map[string]map[string]any {
	m := map[string]map[string]any{}
	for _, o := range objs {
		k := o.GetKind() + " " + o.GetNamespace() + "/" + o.GetName()
		Expect(m).NotTo(HaveKey(k), "rendered twice")
		m[k] = o.Object
	}
	return m
}

// expectSameObjects compares two renderings object by object, so a
// mismatch names the object that differs.
func expectSameObjects(got, want []*unstructured.Unstructured, what string) {
	g, w := byKey(got), byKey(want)
	gotKeys := make([]string, 0, len(g))
	for k := range g {
		gotKeys = append(gotKeys, k)
	}
	wantKeys := make([]string, 0, len(w))
	for k := range w {
		wantKeys = append(wantKeys, k)
	}
	Expect(gotKeys).To(ConsistOf(wantKeys), "%s: the chart renders other objects", what)
	for k, obj := range w {
		Expect(g[k]).To(Equal(obj), "%s: %s differs", what, k)
	}
}

var _ = Describe("Helm chart", func() {
	It("renders the default install, except the Namespace, with its default values", func() {
		expectSameObjects(objects(helmRender(nil)), withoutNamespaces(objects(render(manifests.Default))), "default values")
	})

	It("renders the namespaced install when restrictToNamespace is set", func() {
		want := strings.ReplaceAll(string(render(manifests.Namespaced)), "NS_REPLACE", "team-a")
		got := helmRender(map[string]any{"restrictToNamespace": "team-a"})
		expectSameObjects(objects(got), withoutNamespaces(objects([]byte(want))), "restrictToNamespace")
	})

	It("refuses restrictToNamespace set to the release namespace", func() {
		chrt, err := loader.Load(filepath.Join(envtest.RepoRoot(), chartDir))
		Expect(err).NotTo(HaveOccurred())
		vals, err := chartutil.ToRenderValues(chrt, map[string]any{"restrictToNamespace": operatorNamespace},
			chartutil.ReleaseOptions{Name: "security-profiles-operator", Namespace: operatorNamespace, IsInstall: true},
			chartutil.DefaultCapabilities)
		Expect(err).NotTo(HaveOccurred())
		_, err = engine.Render(chrt, vals)
		Expect(err).To(MatchError(ContainSubstring("restrictToNamespace must name another namespace")))
	})

	It("applies to the API server, cluster-wide and restricted", func(ctx SpecContext) {
		ensureNamespace(ctx, operatorNamespace)
		ensureNamespace(ctx, "team-a")
		out := dryRunApply(helmRender(nil))
		Expect(out).To(ContainSubstring("deployment.apps/security-profiles-operator serverside-applied (server dry run)"))
		dryRunApply(helmRender(map[string]any{"restrictToNamespace": "team-a"}))
	})

	It("puts the values users tune into the manager Deployment", func() {
		objs := objects(helmRender(map[string]any{
			"images": map[string]any{
				"manager": "example.com/spo:v1", "daemon": "example.com/spod:v1",
				"webhook": "example.com/webhook:v1", "selinuxd": "example.com/selinuxd:v1",
			},
			"imagePullPolicy": "Always",
			"replicas":        3,
			"resources":       map[string]any{"limits": map[string]any{"memory": "1Gi"}},
			"nodeSelector":    map[string]any{"kubernetes.io/os": "linux"},
			"tolerations":     []any{},
			"affinity":        map[string]any{"podAntiAffinity": map[string]any{}},
			"extraEnv":        []any{map[string]any{"name": "FOO", "value": "bar"}},
		}))
		deploy := find(objs, "Deployment", operatorNamespace, "security-profiles-operator")
		spec, _, _ := unstructured.NestedMap(deploy.Object, "spec")
		Expect(spec).To(HaveKeyWithValue("replicas", float64(3)))
		pod, _, _ := unstructured.NestedMap(spec, "template", "spec")
		Expect(pod).To(HaveKeyWithValue("nodeSelector", map[string]any{"kubernetes.io/os": "linux"}))
		Expect(pod).To(HaveKey("affinity"))
		Expect(pod).NotTo(HaveKey("tolerations"))
		container := pod["containers"].([]any)[0].(map[string]any)
		Expect(container).To(HaveKeyWithValue("image", "example.com/spo:v1"))
		Expect(container).To(HaveKeyWithValue("imagePullPolicy", "Always"))
		// Helm merges maps with the defaults: the requests stay.
		Expect(container["resources"]).To(HaveKeyWithValue("limits", map[string]any{"memory": "1Gi"}))
		env := map[string]any{}
		for _, e := range container["env"].([]any) {
			env[e.(map[string]any)["name"].(string)] = e.(map[string]any)["value"]
		}
		Expect(env).To(And(
			HaveKeyWithValue("RELATED_IMAGE_DAEMON", "example.com/spod:v1"),
			HaveKeyWithValue("RELATED_IMAGE_WEBHOOK", "example.com/webhook:v1"),
			HaveKeyWithValue("RELATED_IMAGE_SELINUXD", "example.com/selinuxd:v1"),
			HaveKeyWithValue("FOO", "bar")))
		Expect(env).NotTo(HaveKey("RESTRICT_TO_NAMESPACE"))
	})
})
