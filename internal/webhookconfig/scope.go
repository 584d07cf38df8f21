package webhookconfig

import (
	"slices"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Scope is the namespace restriction of a namespaced install
// (RESTRICT_TO_NAMESPACE): the webhooks are then called only for pods in
// the namespaces the manager watches, because the manager would never
// reconcile a profile, release a gated pod or collect a recording
// anywhere else. The zero Scope restricts nothing.
type Scope struct {
	// WatchNamespace is the one namespace the manager handles profiles
	// in; empty for all.
	WatchNamespace string
	// OperatorNamespace is the operator's own namespace, which a
	// restricted manager watches too. It is ignored without
	// WatchNamespace.
	OperatorNamespace string
}

// Namespaces are the namespaces the webhooks are restricted to, sorted
// and without duplicates; nil when unrestricted.
func (s Scope) Namespaces() []string {
	if s.WatchNamespace == "" {
		return nil
	}
	out := []string{s.WatchNamespace}
	// "" would mean every namespace to a controller-runtime cache.
	if s.OperatorNamespace != "" {
		out = append(out, s.OperatorNamespace)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// restrict ANDs "kubernetes.io/metadata.name In <namespaces>" (the label
// the API server puts on every namespace) into the hook's namespace
// selector. It runs after webhookOptions are applied, so a user's
// selector, which replaces the default one as a whole, can narrow the
// webhook further but never widen it past the watched namespaces.
func (s Scope) restrict(hook *admissionregistrationv1.MutatingWebhook) {
	names := s.Namespaces()
	if names == nil {
		return
	}
	if hook.NamespaceSelector == nil {
		hook.NamespaceSelector = &metav1.LabelSelector{}
	}
	hook.NamespaceSelector.MatchExpressions = append(hook.NamespaceSelector.MatchExpressions, metav1.LabelSelectorRequirement{
		Key:      corev1.LabelMetadataName,
		Operator: metav1.LabelSelectorOpIn,
		Values:   names,
	})
}
