package webhookconfig

import (
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/securityprofiles/operator/apis/keys"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
)

// Name is the name of the MutatingWebhookConfiguration the operator manages.
const Name = "spo-mutating-webhook-configuration"

// The HTTP paths the webhook server serves each webhook on.
const (
	BindingPath   = "/mutate-v1-pod-binding"
	RecordingPath = "/mutate-v1-pod-recording"
)

// TimeoutSeconds bounds each call. The handlers read only from an
// in-memory cache and answer in well under a millisecond, so a slow call
// means the webhook is unhealthy; failing (or ignoring, per policy) after
// a few seconds keeps pod creation from stalling behind it.
const TimeoutSeconds int32 = 5

// ClientConfig says how the API server reaches the webhook server. Exactly
// one of Service and URL is set; Build adds each webhook's path to it.
type ClientConfig struct {
	// Service is the webhook's Service; its path is ignored.
	Service *admissionregistrationv1.ServiceReference
	// URL is the webhook server's base URL (scheme, host and port) when it
	// is not reached through a Service, e.g. in tests or a local run.
	URL string
	// CABundle is the PEM CA that signed the webhook's serving certificate.
	CABundle []byte
}

// Build returns the desired configuration: binding.spo.io then
// recording.spo.io, each with the defaults below, then the matching entry
// of opts applied, then scope's namespace restriction. Build never
// modifies its inputs, and the same inputs always give an identical
// object.
func Build(cc ClientConfig, opts []spodv1alpha1.WebhookOptions, scope Scope) *admissionregistrationv1.MutatingWebhookConfiguration {
	hooks := []admissionregistrationv1.MutatingWebhook{
		defaultWebhook(spodv1alpha1.BindingWebhookName, BindingPath, keys.EnableBindingLabel, cc),
		defaultWebhook(spodv1alpha1.RecordingWebhookName, RecordingPath, keys.EnableRecordingLabel, cc),
	}
	for i := range hooks {
		for j := range opts {
			if opts[j].Name == hooks[i].Name {
				applyOptions(&hooks[i], &opts[j])
			}
		}
		scope.restrict(&hooks[i])
	}
	return &admissionregistrationv1.MutatingWebhookConfiguration{
		TypeMeta: metav1.TypeMeta{
			APIVersion: admissionregistrationv1.SchemeGroupVersion.String(),
			Kind:       "MutatingWebhookConfiguration",
		},
		ObjectMeta: metav1.ObjectMeta{Name: Name},
		Webhooks:   hooks,
	}
}

// defaultWebhook is one webhook with the operator's defaults.
//
// reinvocationPolicy is IfNeeded: when a later webhook (e.g. a sidecar
// injector) adds containers, the API server calls ours again so the new
// containers are bound or recorded too. Both handlers are idempotent, so
// a second call on an unchanged pod returns no patch.
func defaultWebhook(name, path, label string, cc ClientConfig) admissionregistrationv1.MutatingWebhook {
	fail := admissionregistrationv1.Fail
	none := admissionregistrationv1.SideEffectClassNone
	equivalent := admissionregistrationv1.Equivalent
	ifNeeded := admissionregistrationv1.IfNeededReinvocationPolicy
	timeout := TimeoutSeconds
	return admissionregistrationv1.MutatingWebhook{
		Name:                    name,
		ClientConfig:            clientConfig(cc, path),
		FailurePolicy:           &fail,
		SideEffects:             &none,
		MatchPolicy:             &equivalent,
		ReinvocationPolicy:      &ifNeeded,
		TimeoutSeconds:          &timeout,
		AdmissionReviewVersions: []string{"v1"},
		NamespaceSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
			Key:      label,
			Operator: metav1.LabelSelectorOpExists,
		}}},
		ObjectSelector: &metav1.LabelSelector{},
		Rules: []admissionregistrationv1.RuleWithOperations{{
			Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
			Rule: admissionregistrationv1.Rule{
				APIGroups:   []string{""},
				APIVersions: []string{"v1"},
				Resources:   []string{"pods"},
				Scope:       ptrTo(admissionregistrationv1.NamespacedScope),
			},
		}},
	}
}

// clientConfig adds path to the caller's Service or URL.
func clientConfig(cc ClientConfig, path string) admissionregistrationv1.WebhookClientConfig {
	out := admissionregistrationv1.WebhookClientConfig{CABundle: append([]byte(nil), cc.CABundle...)}
	if cc.Service != nil {
		svc := *cc.Service
		svc.Path = ptrTo(path)
		if cc.Service.Port != nil {
			svc.Port = ptrTo(*cc.Service.Port)
		}
		out.Service = &svc
		return out
	}
	out.URL = ptrTo(trimSlash(cc.URL) + path)
	return out
}

// applyOptions overrides the defaults with one webhookOptions entry. A
// selector in the options replaces the default one as a whole (as the
// spod API documents): to keep the opt-in label, repeat it in the
// override. Selectors are deep-copied so the result shares no memory with
// the spod object.
func applyOptions(hook *admissionregistrationv1.MutatingWebhook, opt *spodv1alpha1.WebhookOptions) {
	if opt.FailurePolicy != nil {
		hook.FailurePolicy = ptrTo(*opt.FailurePolicy)
	}
	if opt.NamespaceSelector != nil {
		hook.NamespaceSelector = opt.NamespaceSelector.DeepCopy()
	}
	if opt.ObjectSelector != nil {
		hook.ObjectSelector = opt.ObjectSelector.DeepCopy()
	}
}

func trimSlash(s string) string {
	for len(s) > 0 && s[len(s)-1] == '/' {
		s = s[:len(s)-1]
	}
	return s
}

func ptrTo[T any](v T) *T {
	return &v
}
