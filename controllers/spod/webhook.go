package spod

import (
	"context"
	"slices"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	ctrl "sigs.k8s.io/controller-runtime"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/internal/webhookconfig"
)

// Names and ports of the webhook server's objects.
const (
	WebhookDeploymentName = "security-profiles-operator-webhook"
	WebhookServiceName    = "webhook-service"
	WebhookServiceAccount = "spo-webhook"
	// WebhookCertSecret holds the webhook's serving certificate (tls.crt,
	// tls.key, ca.crt), issued by cert-manager, the manager or the
	// installer.
	WebhookCertSecret = "webhook-server-cert"
	// WebhookReplicas keeps admission available while one replica is
	// drained or rescheduled; with failurePolicy Fail a single replica
	// would block pod creation in opted-in namespaces during that time.
	WebhookReplicas int32 = 2
	webhookPort     int32 = 9443
	webhookProbe    int32 = 8082
	webhookCertDir        = "/tmp/k8s-webhook-server/serving-certs"
)

// webhookCertificate is the cert-manager Certificate that issues
// WebhookCertSecret.
const webhookCertificate = "webhook-cert"

// injectCAAnnotation asks cert-manager's CA injector to fill each
// webhook's caBundle from the webhook certificate. With cert-manager the
// manager never sets caBundle itself, so it does not own that field and
// the injector's writes cause no update loop.
const injectCAAnnotation = "cert-manager.io/inject-ca-from"

// ReasonWebhookConfigurationStatic is the Normal Event on spod when
// staticWebhookConfig leaves the webhook configuration to the installer.
const ReasonWebhookConfigurationStatic = "WebhookConfigurationStatic"

// WebhookLabels select the webhook server pods.
func WebhookLabels() map[string]string {
	return map[string]string{"app": "security-profiles-operator", "name": "security-profiles-operator-webhook"}
}

// BuildWebhookDeployment returns the webhook server Deployment.
func BuildWebhookDeployment(spec *spodv1alpha1.SPODSpec, cfg Config) *appsv1.Deployment {
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: appsv1.SchemeGroupVersion.String(), Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: WebhookDeploymentName, Namespace: cfg.Namespace, Labels: WebhookLabels()},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptrTo(WebhookReplicas),
			Selector: &metav1.LabelSelector{MatchLabels: WebhookLabels()},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: WebhookLabels()},
				Spec: corev1.PodSpec{
					ServiceAccountName: WebhookServiceAccount,
					ImagePullSecrets:   append([]corev1.LocalObjectReference(nil), spec.ImagePullSecrets...),
					NodeSelector:       map[string]string{corev1.LabelOSStable: "linux"},
					Affinity:           spreadAcrossNodes(),
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot:   ptrTo(true),
						SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
					},
					Containers: []corev1.Container{webhookContainer(spec, cfg)},
					Volumes: []corev1.Volume{{Name: "cert", VolumeSource: corev1.VolumeSource{
						Secret: &corev1.SecretVolumeSource{SecretName: WebhookCertSecret},
					}}},
				},
			},
		},
	}
}

// webhookContainer serves admission from an in-memory cache; it needs no
// privilege at all.
func webhookContainer(spec *spodv1alpha1.SPODSpec, cfg Config) corev1.Container {
	probe := func(path string) *corev1.Probe {
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
			Path: path, Port: intstr.FromInt32(webhookProbe),
		}}}
	}
	return corev1.Container{
		Name:  "webhook",
		Image: cfg.WebhookImage,
		Args:  webhookArgs(spec, cfg),
		Env:   []corev1.EnvVar{{Name: EnvOperatorNamespace, Value: cfg.Namespace}},
		Ports: []corev1.ContainerPort{{Name: "webhook", ContainerPort: webhookPort, Protocol: corev1.ProtocolTCP}},
		SecurityContext: &corev1.SecurityContext{
			RunAsUser:                ptrTo[int64](65535),
			AllowPrivilegeEscalation: ptrTo(false),
			ReadOnlyRootFilesystem:   ptrTo(true),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		},
		VolumeMounts:   []corev1.VolumeMount{mount("cert", webhookCertDir, true)},
		LivenessProbe:  probe("/healthz"),
		ReadinessProbe: probe("/readyz"),
	}
}

// webhookArgs are the webhook's flags. Turning scheduling gates off
// changes the pod template, so the webhook rolls out with the new mode. A
// namespace-restricted manager restricts the webhook to the same
// namespaces (its OPERATOR_NAMESPACE is the other one).
func webhookArgs(spec *spodv1alpha1.SPODSpec, cfg Config) []string {
	args := []string{verbosityArg(spec)}
	if cfg.WatchNamespace != "" {
		args = append(args, "--watch-namespace="+cfg.WatchNamespace)
	}
	switch {
	case !spec.SchedulingGatesEnabled():
		args = append(args, "--scheduling-gates=false")
	case cfg.WatchNamespace != "":
		args = append(args, "--gate-namespaces="+cfg.WatchNamespace+","+cfg.Namespace)
	}
	return args
}

// spreadAcrossNodes prefers putting the replicas on different nodes, so
// one node failure does not take admission down.
func spreadAcrossNodes() *corev1.Affinity {
	return &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
		PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{
			Weight: 100,
			PodAffinityTerm: corev1.PodAffinityTerm{
				TopologyKey:   corev1.LabelHostname,
				LabelSelector: &metav1.LabelSelector{MatchLabels: WebhookLabels()},
			},
		}},
	}}
}

// BuildWebhookService returns the Service the API server calls the
// webhooks through.
func BuildWebhookService(cfg Config) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{Name: WebhookServiceName, Namespace: cfg.Namespace, Labels: WebhookLabels()},
		Spec: corev1.ServiceSpec{
			Selector: WebhookLabels(),
			Ports: []corev1.ServicePort{{
				Name: "https", Port: 443, TargetPort: intstr.FromInt32(webhookPort), Protocol: corev1.ProtocolTCP,
			}},
		},
	}
}

// BuildWebhookConfiguration returns spo-mutating-webhook-configuration with
// spod's webhookOptions applied, pointing at the webhook Service. With
// certManager, cert-manager's CA injector fills caBundle; otherwise a
// non-nil caBundle is set on every webhook (the manager's own CA, or the
// installer's), and nil leaves the field to whoever else sets it.
func BuildWebhookConfiguration(spec *spodv1alpha1.SPODSpec, cfg Config, certManager bool, caBundle []byte) *admissionregistrationv1.MutatingWebhookConfiguration {
	cc := webhookconfig.ClientConfig{
		Service: &admissionregistrationv1.ServiceReference{
			Namespace: cfg.Namespace, Name: WebhookServiceName, Port: ptrTo[int32](443),
		},
	}
	if cfg.WebhookURL != "" {
		cc = webhookconfig.ClientConfig{URL: cfg.WebhookURL}
	}
	mwc := webhookconfig.Build(cc, spec.WebhookOpts, webhookconfig.Scope{WatchNamespace: cfg.WatchNamespace, OperatorNamespace: cfg.Namespace})
	if certManager {
		mwc.Annotations = map[string]string{injectCAAnnotation: cfg.Namespace + "/" + webhookCertificate}
		return mwc
	}
	for i := range mwc.Webhooks {
		mwc.Webhooks[i].ClientConfig.CABundle = slices.Clone(caBundle)
	}
	return mwc
}

// applyWebhookConfiguration applies spo-mutating-webhook-configuration,
// owned by the manager's ClusterRole (see WebhookOwner: a cluster-scoped
// object cannot have spod as owner). With staticWebhookConfig
// the installer owns it: nothing is written, not even the caBundle of a
// renewed CA, and the first such pass says so.
func (r *Reconciler) applyWebhookConfiguration(ctx context.Context, spod *spodv1alpha1.SecurityProfilesOperatorDaemon, certs servingCerts) error {
	if !spod.Spec.StaticWebhookConfig {
		r.staticNoted.Store(false)
		owner, err := r.webhookOwner(ctx)
		if err != nil {
			return err
		}
		mwc := BuildWebhookConfiguration(&spod.Spec, r.Config, certs.certManager, certs.caBundle)
		if owner != nil {
			mwc.OwnerReferences = []metav1.OwnerReference{*owner}
		}
		return r.apply(ctx, mwc)
	}
	if r.staticNoted.Swap(true) {
		return nil
	}
	const msg = "staticWebhookConfig is set: " + webhookconfig.Name + " is left to the installer; webhookOptions and caBundle are not applied to it"
	ctrl.LoggerFrom(ctx).Info("Leaving the webhook configuration to the installer", "name", webhookconfig.Name)
	if r.Events != nil {
		r.Events.Eventf(spod, nil, corev1.EventTypeNormal, ReasonWebhookConfigurationStatic, "Deploy", "%s", msg)
	}
	return nil
}
