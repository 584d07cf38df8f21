package bundle

import (
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// grant is one binding of a role to a service account the overlay creates.
type grant struct {
	serviceAccount, role string
	// clusterWide is true for a ClusterRoleBinding.
	clusterWide bool
}

// grants lists the bindings whose subject is a service account of the
// overlay. Bindings to other accounts (the metrics reader's binding to the
// namespace's default account) have no place in a CSV: OLM grants
// permissions only to the accounts it creates for the operator.
func grants(objs []*unstructured.Unstructured) []grant {
	accounts := map[string]bool{}
	for _, o := range objs {
		if o.GetKind() == "ServiceAccount" {
			accounts[o.GetNamespace()+"/"+o.GetName()] = true
		}
	}
	var out []grant
	for _, o := range objs {
		if o.GetKind() != "ClusterRoleBinding" && o.GetKind() != "RoleBinding" {
			continue
		}
		role, _, _ := unstructured.NestedString(o.Object, "roleRef", "name")
		subjects, _, _ := unstructured.NestedSlice(o.Object, "subjects")
		for _, s := range subjects {
			m, _ := s.(map[string]any)
			if m["kind"] != "ServiceAccount" || !accounts[fmt.Sprint(m["namespace"], "/", m["name"])] {
				continue
			}
			out = append(out, grant{serviceAccount: m["name"].(string), role: role, clusterWide: o.GetKind() == "ClusterRoleBinding"})
		}
	}
	return out
}

// permissions turns grants into the CSV's clusterPermissions (from
// ClusterRoleBindings) and permissions (from RoleBindings, granted by OLM in
// the install namespace), one entry per service account, sorted by it.
func permissions(objs []*unstructured.Unstructured) (cluster, namespaced []any, err error) {
	rules := map[string][]any{}
	for _, o := range objs {
		if o.GetKind() == "ClusterRole" || o.GetKind() == "Role" {
			r, _, _ := unstructured.NestedSlice(o.Object, "rules")
			rules[o.GetKind()+"/"+o.GetName()] = r
		}
	}
	byAccount := [2]map[string][]any{{}, {}}
	for _, g := range grants(objs) {
		kind := "ClusterRole"
		if !g.clusterWide {
			// A RoleBinding may reference a ClusterRole or a Role.
			if _, ok := rules["Role/"+g.role]; ok {
				kind = "Role"
			}
		}
		r, ok := rules[kind+"/"+g.role]
		if !ok {
			return nil, nil, fmt.Errorf("%s %s bound to %s is not in the overlay", kind, g.role, g.serviceAccount)
		}
		i := 0
		if !g.clusterWide {
			i = 1
		}
		byAccount[i][g.serviceAccount] = append(byAccount[i][g.serviceAccount], r...)
	}
	list := func(m map[string][]any) []any {
		names := make([]string, 0, len(m))
		for n := range m {
			names = append(names, n)
		}
		sort.Strings(names)
		var out []any
		for _, n := range names {
			out = append(out, map[string]any{"serviceAccountName": n, "rules": m[n]})
		}
		return out
	}
	return list(byAccount[0]), list(byAccount[1]), nil
}

// ownedCRDs describes each CRD for the CSV: its storage version, its kind
// as display name and the first sentence of its schema's description.
func ownedCRDs(crds []*unstructured.Unstructured) []any {
	var out []any
	for _, crd := range crds {
		kind, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "kind")
		versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
		for _, v := range versions {
			m := v.(map[string]any)
			if m["storage"] != true {
				continue
			}
			desc, _, _ := unstructured.NestedString(m, "schema", "openAPIV3Schema", "description")
			out = append(out, map[string]any{
				"name":        crd.GetName(),
				"version":     m["name"],
				"kind":        kind,
				"displayName": displayName(kind),
				"description": firstSentence(desc, kind),
			})
		}
	}
	return out
}

func firstSentence(desc, kind string) string {
	desc = strings.Join(strings.Fields(desc), " ")
	if i := strings.Index(desc, ". "); i >= 0 {
		desc = desc[:i+1]
	}
	if desc == "" {
		return displayName(kind) + " of the Security Profiles Operator."
	}
	return desc
}

// relatedImages lists the manager's image and the images it deploys
// (its RELATED_IMAGE_* variables), so disconnected mirrors copy them all.
func relatedImages(deploy *unstructured.Unstructured) []any {
	containers, _, _ := unstructured.NestedSlice(deploy.Object, "spec", "template", "spec", "containers")
	var out []any
	for _, c := range containers {
		m := c.(map[string]any)
		out = append(out, map[string]any{"name": "manager", "image": m["image"]})
		env, _, _ := unstructured.NestedSlice(m, "env")
		for _, e := range env {
			em := e.(map[string]any)
			name, _ := em["name"].(string)
			if rest, ok := strings.CutPrefix(name, "RELATED_IMAGE_"); ok {
				out = append(out, map[string]any{"name": strings.ToLower(rest), "image": em["value"]})
			}
		}
	}
	return out
}

// clusterServiceVersion builds the CSV: the manager Deployment's spec as
// the install strategy, the overlay's roles as permissions, the CRDs as
// owned APIs.
func clusterServiceVersion(objs, crds []*unstructured.Unstructured, namespace, version string) (map[string]any, error) {
	var deploy *unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == "Deployment" && o.GetName() == OperatorDeployment && o.GetNamespace() == namespace {
			deploy = o
		}
	}
	if deploy == nil {
		return nil, fmt.Errorf("no Deployment %s/%s in the overlay", namespace, OperatorDeployment)
	}
	deploySpec, _, _ := unstructured.NestedMap(deploy.Object, "spec")
	cluster, namespaced, err := permissions(objs)
	if err != nil {
		return nil, err
	}
	images := relatedImages(deploy)
	strategy := map[string]any{
		"deployments": []any{map[string]any{
			"name":  OperatorDeployment,
			"label": deploy.GetLabels(),
			"spec":  deploySpec,
		}},
		"clusterPermissions": cluster,
	}
	if len(namespaced) > 0 {
		strategy["permissions"] = namespaced
	}
	csv := metadata(version, images[0].(map[string]any)["image"])
	spec := csv["spec"].(map[string]any)
	spec["install"] = map[string]any{"strategy": "deployment", "spec": strategy}
	spec["customresourcedefinitions"] = map[string]any{"owned": ownedCRDs(crds)}
	spec["relatedImages"] = images
	return csv, nil
}

// metadata is the CSV without its install strategy, APIs and images: what
// catalogs and consoles show about the project.
func metadata(version string, managerImage any) map[string]any {
	return map[string]any{
		"apiVersion": "operators.coreos.com/v1alpha1",
		"kind":       "ClusterServiceVersion",
		"metadata": map[string]any{
			"name": CSVName(version),
			"annotations": map[string]any{
				"capabilities": "Basic Install",
				// The daemon writes node statuses; consoles hide them.
				"operators.operatorframework.io/internal-objects": `["securityprofilenodestatuses.security-profiles-operator.x-k8s.io"]`,
				"categories":     "Security",
				"containerImage": managerImage,
				"description":    "Manages seccomp, SELinux and AppArmor profiles and installs them on every node.",
				"repository":     "https://github.com/securityprofiles/operator",
				"support":        "securityprofiles/operator maintainers",
			},
		},
		"spec": map[string]any{
			"displayName":    "Security Profiles Operator",
			"description":    description,
			"version":        version,
			"minKubeVersion": MinKubeVersion,
			"maturity":       "alpha",
			"keywords":       []any{"security", "seccomp", "selinux", "apparmor", "profiles"},
			"maintainers":    []any{map[string]any{"name": "Security Profiles Operator maintainers", "email": "maintainers@securityprofiles.invalid"}},
			"provider":       map[string]any{"name": "securityprofiles/operator", "url": "https://github.com/securityprofiles/operator"},
			"links":          []any{map[string]any{"name": "Source", "url": "https://github.com/securityprofiles/operator"}},
			"installModes": []any{
				map[string]any{"type": "OwnNamespace", "supported": true},
				map[string]any{"type": "SingleNamespace", "supported": true},
				map[string]any{"type": "MultiNamespace", "supported": false},
				map[string]any{"type": "AllNamespaces", "supported": true},
			},
		},
	}
}

const description = `The Security Profiles Operator manages seccomp, SELinux and AppArmor
profiles as Kubernetes objects, installs them on every node through its node
daemon, binds them to workloads and records new profiles from running pods.

To handle profiles in one namespace only, set RESTRICT_TO_NAMESPACE in the
Subscription's spec.config.env.
`
