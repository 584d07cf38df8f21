package spod_test

import (
	"context"
	"fmt"
	"strings"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"
)

// crdTemplate is a minimal stand-in for a foreign CRD (prometheus-operator,
// cert-manager): same group, version, kind and scope, any content.
const crdTemplate = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: %[3]s.%[1]s
spec:
  group: %[1]s
  scope: Namespaced
  names:
    kind: %[2]s
    listKind: %[2]sList
    plural: %[3]s
    singular: %[4]s
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
`

// installCRD installs a stand-in CRD for gvk and waits until it serves.
func installCRD(ctx context.Context, gvk schema.GroupVersionKind) {
	plural := strings.ToLower(gvk.Kind) + "s"
	body := fmt.Sprintf(crdTemplate, gvk.Group, gvk.Kind, plural, strings.ToLower(gvk.Kind))
	crd := &unstructured.Unstructured{}
	Expect(yaml.Unmarshal([]byte(body), &crd.Object)).To(Succeed())
	Expect(env.Client.Create(ctx, crd)).To(Succeed())
	Eventually(func(g Gomega) {
		g.Expect(env.Client.Get(ctx, types.NamespacedName{Name: plural + "." + gvk.Group}, crd)).To(Succeed())
		conds, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
		g.Expect(conds).To(ContainElement(And(HaveKeyWithValue("type", "Established"), HaveKeyWithValue("status", "True"))))
	}).WithTimeout(timeout).Should(Succeed())
}

// getUnstructured reads a namespaced object of gvk in the operator
// namespace.
func getUnstructured(ctx context.Context, gvk schema.GroupVersionKind, name string) (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(gvk)
	err := env.Client.Get(ctx, types.NamespacedName{Namespace: cfg.Namespace, Name: name}, u)
	return u, err
}
