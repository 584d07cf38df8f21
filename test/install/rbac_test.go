package install

import (
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/securityprofiles/operator/internal/manifests"
)

// rule is one RBAC policy rule, read from unstructured data.
type rule struct {
	apiGroups, resources, verbs, nonResourceURLs []string
}

func rulesOf(role *unstructured.Unstructured) []rule {
	raw, _, _ := unstructured.NestedSlice(role.Object, "rules")
	var rules []rule
	for _, r := range raw {
		m := r.(map[string]any)
		strs := func(key string) []string {
			s, _, _ := unstructured.NestedStringSlice(m, key)
			return s
		}
		rules = append(rules, rule{strs("apiGroups"), strs("resources"), strs("verbs"), strs("nonResourceURLs")})
	}
	return rules
}

// installs are every rendering an admin can apply: the overlays, the Helm
// chart with and without restrictToNamespace, and the OLM bundle.
func installs() map[string][]*unstructured.Unstructured {
	out := map[string][]*unstructured.Unstructured{}
	for _, overlay := range []string{manifests.Default, manifests.Namespaced, manifests.Prometheus, manifests.CertManager, "config/local"} {
		out[overlay] = objects(render(overlay))
	}
	out["helm chart"] = objects(helmRender(nil))
	out["helm chart, restrictToNamespace"] = objects(helmRender(map[string]any{"restrictToNamespace": "team-a"}))
	out["OLM bundle"] = bundleRoles()
	return out
}

var _ = Describe("RBAC", func() {
	It("grants no wildcard verbs, resources or groups", func() {
		for overlay, objs := range installs() {
			for _, o := range objs {
				if o.GetKind() != "ClusterRole" && o.GetKind() != "Role" {
					continue
				}
				for _, r := range rulesOf(o) {
					for _, field := range [][]string{r.apiGroups, r.resources, r.verbs, r.nonResourceURLs} {
						Expect(field).NotTo(ContainElement(ContainSubstring("*")),
							"%s: %s %s has a wildcard rule %+v", overlay, o.GetKind(), o.GetName(), r)
					}
				}
			}
		}
	})

	for _, component := range []struct{ generated, clusterScope, source string }{
		{"spo-manager", "spo-manager-cluster-scope", "config/rbac/manager/role.yaml"},
		{"spod", "spod-cluster-scope", "config/rbac/daemon/role.yaml"},
		{"spo-webhook", "spo-webhook-cluster-scope", "config/rbac/webhook/role.yaml"},
	} {
		It("the namespaced install keeps every cluster-scoped permission of "+component.generated, func() {
			objs := objects(render(manifests.Namespaced))
			generated := find(objs, "ClusterRole", "", component.generated)
			clusterScope := find(objs, "ClusterRole", "", component.clusterScope)
			granted := map[string]bool{}
			for _, r := range rulesOf(clusterScope) {
				for _, g := range r.apiGroups {
					for _, res := range r.resources {
						for _, v := range r.verbs {
							granted[g+"/"+res+"/"+v] = true
						}
					}
				}
			}
			mapper := env.Client.RESTMapper()
			checked := 0
			for _, r := range rulesOf(generated) {
				for _, g := range r.apiGroups {
					for _, res := range r.resources {
						base, _, _ := strings.Cut(res, "/")
						if !clusterScoped(mapper, schema.GroupResource{Group: g, Resource: base}) {
							continue
						}
						for _, v := range r.verbs {
							checked++
							Expect(granted).To(HaveKey(g+"/"+res+"/"+v),
								"config/namespaced misses %s %s/%s that %s has", v, g, res, component.source)
						}
					}
				}
			}
			Expect(checked).To(BeNumerically(">=", 2), "the generated role lost its cluster-scoped rules")
			// Its namespaced rules are granted in the operator's namespace
			// and the restricted one only, never cluster-wide.
			for _, o := range objs {
				if o.GetKind() != "ClusterRoleBinding" {
					continue
				}
				ref, _, _ := unstructured.NestedString(o.Object, "roleRef", "name")
				Expect(ref).NotTo(Equal(component.generated), "ClusterRoleBinding %s grants %s cluster-wide", o.GetName(), ref)
			}
			var boundIn []string
			for _, o := range objs {
				ref, _, _ := unstructured.NestedString(o.Object, "roleRef", "name")
				kind, _, _ := unstructured.NestedString(o.Object, "roleRef", "kind")
				if o.GetKind() == "RoleBinding" && kind == "ClusterRole" && ref == component.generated {
					boundIn = append(boundIn, o.GetNamespace())
				}
			}
			Expect(boundIn).To(ConsistOf("security-profiles-operator", "NS_REPLACE"))
		})
	}
})

// clusterScoped asks the API server whether a resource is cluster-scoped.
// Kinds it does not serve (cert-manager, prometheus-operator) are
// namespaced; the review APIs are create-only and cluster-wide.
func clusterScoped(mapper meta.RESTMapper, gr schema.GroupResource) bool {
	if gr.Group == "authentication.k8s.io" || gr.Group == "authorization.k8s.io" {
		return true
	}
	gvk, err := mapper.KindFor(gr.WithVersion(""))
	if err != nil {
		return false
	}
	mapping, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return false
	}
	return mapping.Scope.Name() == meta.RESTScopeNameRoot
}
