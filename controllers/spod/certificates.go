package spod

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// CertificateCRD is the cert-manager CRD whose presence makes the manager
// request the webhook and metrics serving certificates from cert-manager.
const CertificateCRD = "certificates.cert-manager.io"

// IssuerName names the self-signed cert-manager Issuer of both serving
// certificates.
const IssuerName = "spo-selfsigned-issuer"

// metricsCertificate is the cert-manager Certificate that issues
// MetricsCertSecret.
const metricsCertificate = "metrics-cert"

// The cert-manager kinds, handled as unstructured data for the same reason
// as the ServiceMonitor: the manager only writes them.
var (
	IssuerGVK      = schema.GroupVersionKind{Group: "cert-manager.io", Version: "v1", Kind: "Issuer"}
	CertificateGVK = schema.GroupVersionKind{Group: "cert-manager.io", Version: "v1", Kind: "Certificate"}
)

// BuildCertificates returns the self-signed Issuer and the Certificates for
// the webhook and metrics Services. Each secret's ca.crt is its own
// certificate, which is what the CA injector puts into the webhook
// configuration and what the ServiceMonitor verifies the metrics endpoint
// against.
func BuildCertificates(cfg Config) []*unstructured.Unstructured {
	issuer := newUnstructured(IssuerGVK, IssuerName, cfg.Namespace)
	issuer.Object["spec"] = map[string]any{"selfSigned": map[string]any{}}
	return []*unstructured.Unstructured{
		issuer,
		certificate(cfg, webhookCertificate, WebhookCertSecret, WebhookServiceName),
		certificate(cfg, metricsCertificate, MetricsCertSecret, MetricsServiceName),
	}
}

func certificate(cfg Config, name, secret, service string) *unstructured.Unstructured {
	c := newUnstructured(CertificateGVK, name, cfg.Namespace)
	names := serviceDNSNames(service, cfg.Namespace)
	c.Object["spec"] = map[string]any{
		"secretName": secret,
		"dnsNames":   []any{names[0], names[1]},
		"issuerRef":  map[string]any{"kind": IssuerGVK.Kind, "name": IssuerName},
	}
	return c
}

func newUnstructured(gvk schema.GroupVersionKind, name, namespace string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{}}
	u.SetGroupVersionKind(gvk)
	u.SetName(name)
	u.SetNamespace(namespace)
	return u
}

// crdInstalled reports whether the named CRD exists.
func (r *Reconciler) crdInstalled(ctx context.Context, name string) (bool, error) {
	crd := newCRDMetadata()
	err := r.Client.Get(ctx, types.NamespacedName{Name: name}, crd)
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look up CRD %s: %w", name, err)
	}
	return true, nil
}

// newCRDMetadata is a CustomResourceDefinition read as metadata only, for
// lookups, watches and cache options.
func newCRDMetadata() client.Object {
	crd := &metav1.PartialObjectMetadata{}
	crd.SetGroupVersionKind(crdGVK)
	return crd
}
