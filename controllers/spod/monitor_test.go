package spod_test

import (
	"context"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	"github.com/securityprofiles/operator/controllers/spod"
)

// serviceMonitorCRD is a minimal stand-in for prometheus-operator's
// ServiceMonitor CRD: same group, version, kind and scope, any content.
const serviceMonitorCRD = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: servicemonitors.monitoring.coreos.com
spec:
  group: monitoring.coreos.com
  scope: Namespaced
  names:
    kind: ServiceMonitor
    listKind: ServiceMonitorList
    plural: servicemonitors
    singular: servicemonitor
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
`

// installServiceMonitorCRD installs the CRD and waits until it serves.
func installServiceMonitorCRD(ctx context.Context) {
	crd := &unstructured.Unstructured{}
	Expect(yaml.Unmarshal([]byte(serviceMonitorCRD), &crd.Object)).To(Succeed())
	Expect(env.Client.Create(ctx, crd)).To(Succeed())
	Eventually(func(g Gomega) {
		g.Expect(env.Client.Get(ctx, types.NamespacedName{Name: spod.ServiceMonitorCRD}, crd)).To(Succeed())
		conds, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
		g.Expect(conds).To(ContainElement(And(HaveKeyWithValue("type", "Established"), HaveKeyWithValue("status", "True"))))
	}).WithTimeout(timeout).Should(Succeed())
}

// serviceMonitor reads the manager's ServiceMonitor.
func serviceMonitor(ctx context.Context) (*unstructured.Unstructured, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(spod.ServiceMonitorGVK)
	err := env.Client.Get(ctx, types.NamespacedName{Namespace: cfg.Namespace, Name: spod.ServiceMonitorName}, u)
	return u, err
}
