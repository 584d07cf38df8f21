package webhookconfig

import (
	"encoding/json"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/securityprofiles/operator/apis/keys"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
)

func TestBuildDefaults(t *testing.T) {
	svc := &admissionregistrationv1.ServiceReference{Namespace: "spo", Name: "webhook-service", Port: ptrTo[int32](443)}
	got := Build(ClientConfig{Service: svc, CABundle: []byte("ca")}, nil, Scope{})
	if got.Name != Name || len(got.Webhooks) != 2 {
		t.Fatalf("got %s with %d webhooks", got.Name, len(got.Webhooks))
	}
	for i, want := range []struct{ name, path, label string }{
		{spodv1alpha1.BindingWebhookName, BindingPath, keys.EnableBindingLabel},
		{spodv1alpha1.RecordingWebhookName, RecordingPath, keys.EnableRecordingLabel},
	} {
		h := got.Webhooks[i]
		checks := map[string]bool{
			"name":               h.Name == want.name,
			"service path":       h.ClientConfig.Service != nil && *h.ClientConfig.Service.Path == want.path,
			"service port":       *h.ClientConfig.Service.Port == 443,
			"no url":             h.ClientConfig.URL == nil,
			"caBundle":           string(h.ClientConfig.CABundle) == "ca",
			"failurePolicy":      *h.FailurePolicy == admissionregistrationv1.Fail,
			"sideEffects":        *h.SideEffects == admissionregistrationv1.SideEffectClassNone,
			"matchPolicy":        *h.MatchPolicy == admissionregistrationv1.Equivalent,
			"reinvocationPolicy": *h.ReinvocationPolicy == admissionregistrationv1.IfNeededReinvocationPolicy,
			"timeout":            *h.TimeoutSeconds == TimeoutSeconds && TimeoutSeconds <= 10,
			"reviewVersions":     len(h.AdmissionReviewVersions) == 1 && h.AdmissionReviewVersions[0] == "v1",
			"selector":           len(h.NamespaceSelector.MatchExpressions) == 1 && h.NamespaceSelector.MatchExpressions[0].Key == want.label && h.NamespaceSelector.MatchExpressions[0].Operator == metav1.LabelSelectorOpExists,
			"pods create only":   len(h.Rules) == 1 && len(h.Rules[0].Operations) == 1 && h.Rules[0].Operations[0] == admissionregistrationv1.Create && h.Rules[0].Resources[0] == "pods" && h.Rules[0].APIGroups[0] == "",
		}
		for what, ok := range checks {
			if !ok {
				t.Errorf("%s: %s is wrong: %+v", want.name, what, h)
			}
		}
	}
	if svc.Path != nil {
		t.Errorf("Build modified the caller's ServiceReference")
	}
}

func TestBuildURL(t *testing.T) {
	for _, base := range []string{"https://127.0.0.1:9443", "https://127.0.0.1:9443/"} {
		got := Build(ClientConfig{URL: base}, nil, Scope{})
		if u := *got.Webhooks[0].ClientConfig.URL; u != "https://127.0.0.1:9443"+BindingPath {
			t.Errorf("%s: binding URL %s", base, u)
		}
		if u := *got.Webhooks[1].ClientConfig.URL; u != "https://127.0.0.1:9443"+RecordingPath {
			t.Errorf("%s: recording URL %s", base, u)
		}
	}
}

func TestBuildOptions(t *testing.T) {
	ignore := admissionregistrationv1.Ignore
	bindHere := &metav1.LabelSelector{MatchLabels: map[string]string{"spo.x-k8s.io/bind-here": "true"}}
	aks := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "control-plane", Operator: metav1.LabelSelectorOpDoesNotExist}}}
	objSel := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "x"}}
	defaultSel := func(label string) *metav1.LabelSelector {
		return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: label, Operator: metav1.LabelSelectorOpExists}}}
	}
	for _, tc := range []struct {
		name                  string
		opts                  []spodv1alpha1.WebhookOptions
		bindPolicy, recPolicy admissionregistrationv1.FailurePolicyType
		bindNS, recNS         *metav1.LabelSelector
		bindObj               *metav1.LabelSelector
	}{{
		name:       "manual example: binding soft-fails in bind-here namespaces",
		opts:       []spodv1alpha1.WebhookOptions{{Name: spodv1alpha1.BindingWebhookName, FailurePolicy: &ignore, NamespaceSelector: bindHere}},
		bindPolicy: ignore, recPolicy: admissionregistrationv1.Fail,
		bindNS: bindHere, recNS: defaultSel(keys.EnableRecordingLabel), bindObj: &metav1.LabelSelector{},
	}, {
		name: "AKS: both webhooks skip control-plane namespaces",
		opts: []spodv1alpha1.WebhookOptions{
			{Name: spodv1alpha1.BindingWebhookName, NamespaceSelector: aks},
			{Name: spodv1alpha1.RecordingWebhookName, NamespaceSelector: aks},
		},
		bindPolicy: admissionregistrationv1.Fail, recPolicy: admissionregistrationv1.Fail,
		bindNS: aks, recNS: aks, bindObj: &metav1.LabelSelector{},
	}, {
		name:       "object selector only, unknown names ignored",
		opts:       []spodv1alpha1.WebhookOptions{{Name: spodv1alpha1.BindingWebhookName, ObjectSelector: objSel}, {Name: "other.example.com", FailurePolicy: &ignore}},
		bindPolicy: admissionregistrationv1.Fail, recPolicy: admissionregistrationv1.Fail,
		bindNS: defaultSel(keys.EnableBindingLabel), recNS: defaultSel(keys.EnableRecordingLabel), bindObj: objSel,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got := Build(ClientConfig{URL: "https://h:1"}, tc.opts, Scope{})
			b, r := got.Webhooks[0], got.Webhooks[1]
			if *b.FailurePolicy != tc.bindPolicy || *r.FailurePolicy != tc.recPolicy {
				t.Errorf("failure policies %s/%s", *b.FailurePolicy, *r.FailurePolicy)
			}
			assertJSONEqual(t, "binding namespaceSelector", b.NamespaceSelector, tc.bindNS)
			assertJSONEqual(t, "recording namespaceSelector", r.NamespaceSelector, tc.recNS)
			assertJSONEqual(t, "binding objectSelector", b.ObjectSelector, tc.bindObj)
			if len(tc.opts) > 0 && tc.opts[0].NamespaceSelector != nil && b.NamespaceSelector == tc.opts[0].NamespaceSelector {
				t.Errorf("selector shares memory with the options")
			}
		})
	}
}

func TestBuildDeterministic(t *testing.T) {
	opts := []spodv1alpha1.WebhookOptions{{Name: spodv1alpha1.RecordingWebhookName, ObjectSelector: &metav1.LabelSelector{}}}
	a, _ := json.Marshal(Build(ClientConfig{URL: "https://h:1", CABundle: []byte("x")}, opts, Scope{WatchNamespace: "team-a", OperatorNamespace: "spo"}))
	b, _ := json.Marshal(Build(ClientConfig{URL: "https://h:1", CABundle: []byte("x")}, opts, Scope{WatchNamespace: "team-a", OperatorNamespace: "spo"}))
	if string(a) != string(b) {
		t.Errorf("two builds differ:\n%s\n%s", a, b)
	}
}

func assertJSONEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("%s: got %s, want %s", what, g, w)
	}
}
