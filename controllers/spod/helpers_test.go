package spod_test

import (
	"context"
	"encoding/json"
	"sort"

	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/controllers/spod"
	"github.com/securityprofiles/operator/internal/webhookconfig"
)

// deployed is what the controller wrote, read straight from the API server.
type deployed struct {
	spod    *spodv1alpha1.SecurityProfilesOperatorDaemon
	ds      *appsv1.DaemonSet
	webhook *appsv1.Deployment
	service *corev1.Service
	metrics *corev1.Service
	mwc     *admissionregistrationv1.MutatingWebhookConfiguration
}

func spodKey() types.NamespacedName {
	return types.NamespacedName{Namespace: cfg.Namespace, Name: spodv1alpha1.Name}
}

// read fetches every deployed object; g fails when one is missing.
func read(ctx context.Context, g Gomega) deployed {
	d := deployed{
		spod:    &spodv1alpha1.SecurityProfilesOperatorDaemon{},
		ds:      &appsv1.DaemonSet{},
		webhook: &appsv1.Deployment{},
		service: &corev1.Service{},
		metrics: &corev1.Service{},
		mwc:     &admissionregistrationv1.MutatingWebhookConfiguration{},
	}
	g.Expect(env.Client.Get(ctx, spodKey(), d.spod)).To(Succeed())
	g.Expect(env.Client.Get(ctx, types.NamespacedName{Namespace: cfg.Namespace, Name: spod.DaemonSetName}, d.ds)).To(Succeed())
	g.Expect(env.Client.Get(ctx, types.NamespacedName{Namespace: cfg.Namespace, Name: spod.WebhookDeploymentName}, d.webhook)).To(Succeed())
	g.Expect(env.Client.Get(ctx, types.NamespacedName{Namespace: cfg.Namespace, Name: spod.WebhookServiceName}, d.service)).To(Succeed())
	g.Expect(env.Client.Get(ctx, types.NamespacedName{Namespace: cfg.Namespace, Name: spod.MetricsServiceName}, d.metrics)).To(Succeed())
	g.Expect(env.Client.Get(ctx, types.NamespacedName{Name: webhookconfig.Name}, d.mwc)).To(Succeed())
	return d
}

// fingerprint is the configuration the spod spec controls: the daemon's
// pod template, the webhook's pod template and the webhooks.
func (d deployed) fingerprint() string {
	b, err := json.Marshal([]any{d.ds.Spec.Template.Spec, d.webhook.Spec.Template.Spec, d.mwc.Webhooks})
	Expect(err).NotTo(HaveOccurred())
	return string(b)
}

// resourceVersions lists every deployed object's resourceVersion.
func (d deployed) resourceVersions() []string {
	return []string{d.spod.ResourceVersion, d.ds.ResourceVersion, d.webhook.ResourceVersion,
		d.service.ResourceVersion, d.metrics.ResourceVersion, d.mwc.ResourceVersion}
}

// container returns the named container of the daemon pod, or nil.
func (d deployed) container(name string) *corev1.Container {
	for i := range d.ds.Spec.Template.Spec.Containers {
		if d.ds.Spec.Template.Spec.Containers[i].Name == name {
			return &d.ds.Spec.Template.Spec.Containers[i]
		}
	}
	return nil
}

func envOf(c *corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

// patchSpod applies a merge patch, YAML or JSON, as kubectl does.
func patchSpod(ctx context.Context, body string) {
	patch, err := yaml.YAMLToJSON([]byte(body))
	Expect(err).NotTo(HaveOccurred())
	obj := &spodv1alpha1.SecurityProfilesOperatorDaemon{}
	obj.Namespace, obj.Name = cfg.Namespace, spodv1alpha1.Name
	Expect(env.Client.Patch(ctx, obj, client.RawPatch(types.MergePatchType, patch),
		client.FieldValidation("Strict"))).To(Succeed())
}

// specKeys are the spec fields a patch body sets, sorted.
func specKeys(body string) []string {
	var p struct {
		Spec map[string]json.RawMessage `json:"spec"`
	}
	Expect(yaml.Unmarshal([]byte(body), &p)).To(Succeed())
	var keys []string
	for k := range p.Spec {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// revertBody unsets every spec field a patch body sets, so the API
// server's defaults apply again.
func revertBody(body string) string {
	spec := map[string]any{}
	for _, k := range specKeys(body) {
		spec[k] = nil
	}
	b, err := json.Marshal(map[string]any{"spec": spec})
	Expect(err).NotTo(HaveOccurred())
	return string(b)
}

// markReady plays the DaemonSet controller, which envtest lacks: every
// one of three nodes runs the current template and is available.
func markReady(ctx context.Context) {
	// The controller may be applying a new template meanwhile: retry on
	// conflicts with the DaemonSet as it then is.
	Eventually(func() error {
		ds := &appsv1.DaemonSet{}
		if err := env.Client.Get(ctx, types.NamespacedName{Namespace: cfg.Namespace, Name: spod.DaemonSetName}, ds); err != nil {
			return err
		}
		ds.Status = appsv1.DaemonSetStatus{
			ObservedGeneration: ds.Generation, DesiredNumberScheduled: 3, CurrentNumberScheduled: 3,
			NumberReady: 3, UpdatedNumberScheduled: 3, NumberAvailable: 3,
		}
		return env.Client.Status().Update(ctx, ds)
	}).WithTimeout(timeout).Should(Succeed())
}

// stateOf reads spod's status.state.
func stateOf(ctx context.Context) func() spodv1alpha1.SPODState {
	return func() spodv1alpha1.SPODState {
		obj := &spodv1alpha1.SecurityProfilesOperatorDaemon{}
		if err := env.Client.Get(ctx, spodKey(), obj); err != nil {
			return ""
		}
		return obj.Status.State
	}
}
