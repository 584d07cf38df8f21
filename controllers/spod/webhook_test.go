package spod

import (
	"slices"
	"testing"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
)

func TestBuildWebhook(t *testing.T) {
	ignore := admissionregistrationv1.Ignore
	spec := &spodv1alpha1.SPODSpec{Verbosity: 1, WebhookOpts: []spodv1alpha1.WebhookOptions{
		{Name: spodv1alpha1.BindingWebhookName, FailurePolicy: &ignore},
	}}
	dep := BuildWebhookDeployment(spec, testConfig)
	if *dep.Spec.Replicas < 2 || dep.Namespace != "spo" || dep.Spec.Template.Spec.Containers[0].Image != "webhook:1" {
		t.Errorf("deployment %+v", dep.Spec)
	}
	if args := dep.Spec.Template.Spec.Containers[0].Args; len(args) != 1 || args[0] != "--verbosity=1" {
		t.Errorf("webhook args %v", args)
	}
	off := false
	spec.EnableSchedulingGates = &off
	if args := BuildWebhookDeployment(spec, testConfig).Spec.Template.Spec.Containers[0].Args; len(args) != 2 || args[1] != "--scheduling-gates=false" {
		t.Errorf("enableSchedulingGates false: webhook args %v", args)
	}
	spec.EnableSchedulingGates = nil
	restricted := testConfig
	restricted.WatchNamespace = "team-a"
	if args := BuildWebhookDeployment(spec, restricted).Spec.Template.Spec.Containers[0].Args; !slices.Equal(args, []string{"--verbosity=1", "--watch-namespace=team-a", "--gate-namespaces=team-a,spo"}) {
		t.Errorf("restricted to a namespace: webhook args %v", args)
	}
	spec.EnableSchedulingGates = &off
	if args := BuildWebhookDeployment(spec, restricted).Spec.Template.Spec.Containers[0].Args; !slices.Equal(args, []string{"--verbosity=1", "--watch-namespace=team-a", "--scheduling-gates=false"}) {
		t.Errorf("restricted to a namespace without gates: webhook args %v", args)
	}
	spec.EnableSchedulingGates = nil
	for _, h := range BuildWebhookConfiguration(spec, restricted, true, nil).Webhooks {
		exprs := h.NamespaceSelector.MatchExpressions
		if last := exprs[len(exprs)-1]; last.Key != corev1.LabelMetadataName || !slices.Equal(last.Values, []string{"spo", "team-a"}) {
			t.Errorf("restricted to a namespace: %s has namespaceSelector %+v", h.Name, h.NamespaceSelector)
		}
	}
	svc := BuildWebhookService(testConfig)
	mwc := BuildWebhookConfiguration(spec, testConfig, true, nil)
	for _, h := range mwc.Webhooks {
		ref := h.ClientConfig.Service
		if ref == nil || ref.Name != svc.Name || ref.Namespace != svc.Namespace || *ref.Port != svc.Spec.Ports[0].Port {
			t.Errorf("%s does not call the webhook Service: %+v", h.Name, h.ClientConfig)
		}
		if len(h.ClientConfig.CABundle) != 0 {
			t.Errorf("%s sets caBundle; the CA injector owns it", h.Name)
		}
	}
	if *mwc.Webhooks[0].FailurePolicy != ignore || *mwc.Webhooks[1].FailurePolicy != admissionregistrationv1.Fail {
		t.Errorf("webhookOptions not applied")
	}
}
