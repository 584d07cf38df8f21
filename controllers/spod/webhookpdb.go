package spod

import (
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Only the operator's namespace: the budget is the one object of its kind
// the manager writes.
// +kubebuilder:rbac:groups=policy,resources=poddisruptionbudgets,verbs=get;list;watch;create;patch,namespace=security-profiles-operator

// BuildWebhookPDB returns the PodDisruptionBudget of the webhook
// Deployment, named like it. A drain evicts one replica at a time, so with
// failurePolicy Fail pod creation in opted-in namespaces keeps working
// during node maintenance. Replicas that are not ready may always be
// evicted (AlwaysAllow): a crash-looping webhook serves nothing, and must
// not block the drain that might fix it.
func BuildWebhookPDB(cfg Config) *policyv1.PodDisruptionBudget {
	maxUnavailable := intstr.FromInt32(1)
	return &policyv1.PodDisruptionBudget{
		TypeMeta:   metav1.TypeMeta{APIVersion: policyv1.SchemeGroupVersion.String(), Kind: "PodDisruptionBudget"},
		ObjectMeta: metav1.ObjectMeta{Name: WebhookDeploymentName, Namespace: cfg.Namespace, Labels: WebhookLabels()},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable:             &maxUnavailable,
			Selector:                   &metav1.LabelSelector{MatchLabels: WebhookLabels()},
			UnhealthyPodEvictionPolicy: ptrTo(policyv1.AlwaysAllow),
		},
	}
}
