package webhookconfig

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/securityprofiles/operator/apis/keys"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
)

// TestBuildScope evaluates each webhook's namespaceSelector against
// namespaces as the API server labels them, so it checks what the API
// server will send us rather than the selector's shape.
func TestBuildScope(t *testing.T) {
	ns := func(name string, extra ...string) labels.Set {
		set := labels.Set{corev1.LabelMetadataName: name}
		for _, l := range extra {
			set[l] = ""
		}
		return set
	}
	const bindHere = "spo.x-k8s.io/bind-here"
	restricted := Scope{WatchNamespace: "team-a", OperatorNamespace: "spo"}
	userSelector := []spodv1alpha1.WebhookOptions{
		{Name: spodv1alpha1.BindingWebhookName, NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{bindHere: ""}}},
		// An empty selector matches every namespace.
		{Name: spodv1alpha1.RecordingWebhookName, NamespaceSelector: &metav1.LabelSelector{}},
	}
	for _, tc := range []struct {
		name  string
		scope Scope
		opts  []spodv1alpha1.WebhookOptions
		// want lists, per webhook, the namespaces its selector matches.
		wantBinding, wantRecording []string
	}{{
		name: "unrestricted: every labelled namespace", scope: Scope{},
		wantBinding: []string{"team-a", "team-b", "spo"}, wantRecording: []string{"team-a", "team-b", "spo"},
	}, {
		name: "restricted: labelled and watched", scope: restricted,
		wantBinding: []string{"team-a", "spo"}, wantRecording: []string{"team-a", "spo"},
	}, {
		name: "restricted with user selectors: both must hold", scope: restricted, opts: userSelector,
		wantBinding: []string{"team-a-bind-here"}, wantRecording: []string{"team-a", "team-a-bind-here", "spo"},
	}, {
		name: "operator namespace unknown: the watched one only", scope: Scope{WatchNamespace: "team-a"},
		wantBinding: []string{"team-a"}, wantRecording: []string{"team-a"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			// team-a-bind-here is team-a labelled for the user's
			// selectors rather than with the default opt-in labels.
			namespaces := map[string]labels.Set{
				"team-a":           ns("team-a", keys.EnableBindingLabel, keys.EnableRecordingLabel),
				"team-a-bind-here": ns("team-a", bindHere),
				"team-b":           ns("team-b", keys.EnableBindingLabel, keys.EnableRecordingLabel, bindHere),
				"spo":              ns("spo", keys.EnableBindingLabel, keys.EnableRecordingLabel),
			}
			got := Build(ClientConfig{URL: "https://h:1"}, tc.opts, tc.scope)
			for i, want := range [][]string{tc.wantBinding, tc.wantRecording} {
				hook := got.Webhooks[i]
				sel, err := metav1.LabelSelectorAsSelector(hook.NamespaceSelector)
				if err != nil {
					t.Fatalf("%s: invalid selector: %v", hook.Name, err)
				}
				var matched []string
				for name, set := range namespaces {
					if sel.Matches(set) {
						matched = append(matched, name)
					}
				}
				slices.Sort(matched)
				want = slices.Sorted(slices.Values(want))
				if !slices.Equal(matched, want) {
					t.Errorf("%s selects %v, want %v (selector %s)", hook.Name, matched, want, sel)
				}
			}
		})
	}
	if len(userSelector[1].NamespaceSelector.MatchExpressions) != 0 {
		t.Errorf("Build added the restriction to the spod options' own selector")
	}
}

func TestScopeNamespaces(t *testing.T) {
	for _, tc := range []struct {
		scope Scope
		want  []string
	}{
		{Scope{}, nil},
		{Scope{OperatorNamespace: "spo"}, nil},
		{Scope{WatchNamespace: "team-a", OperatorNamespace: "spo"}, []string{"spo", "team-a"}},
		{Scope{WatchNamespace: "spo", OperatorNamespace: "spo"}, []string{"spo"}},
		// An empty name would mean all namespaces to a cache.
		{Scope{WatchNamespace: "team-a"}, []string{"team-a"}},
	} {
		if got := tc.scope.Namespaces(); !slices.Equal(got, tc.want) {
			t.Errorf("%+v: %v, want %v", tc.scope, got, tc.want)
		}
	}
}
