package spod

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
)

// The manager reads the serving certificate Secrets of its own namespace
// and writes the ones it generates there; a Role, not a ClusterRole.
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;create;update;patch,namespace=security-profiles-operator

// servingCerts is the outcome of the certificate step of a pass.
type servingCerts struct {
	status CertStatus
	// certManager is whether cert-manager issues the certificates.
	certManager bool
	// caBundle is set on every webhook when non-nil.
	caBundle []byte
	// renewAt is when the next certificate is due; zero when none is.
	renewAt time.Time
}

var certManagerStatus = CertStatus{Managed: true, Reason: ReasonCertManager,
	Message: "cert-manager issues the webhook and metrics serving certificates"}

// ensureServingCerts leaves the certificates to cert-manager when it is
// installed, and otherwise issues them from the manager's own CA unless
// the installer provided them. The returned status is set on error too.
func (r *Reconciler) ensureServingCerts(ctx context.Context, spod *spodv1alpha1.SecurityProfilesOperatorDaemon, certManager bool) (servingCerts, error) {
	if certManager {
		return servingCerts{status: certManagerStatus, certManager: true}, nil
	}
	if r.Config.RequireCertManager {
		// The installer chose cert-manager (config/cert-manager): a CA of
		// the operator's own would be a trust root nobody asked for.
		return failedCerts(errCertManagerMissing), errCertManagerMissing
	}
	var s certSecrets
	for name, dst := range map[string]**corev1.Secret{CASecret: &s.ca, WebhookCertSecret: &s.webhook, MetricsCertSecret: &s.metrics} {
		secret := &corev1.Secret{}
		err := r.Client.Get(ctx, types.NamespacedName{Namespace: r.Config.Namespace, Name: name}, secret)
		if err != nil && !apierrors.IsNotFound(err) {
			return failedCerts(err), fmt.Errorf("read secret %s: %w", name, err)
		}
		if err == nil {
			*dst = secret
		}
	}
	p, err := planSelfSigned(r.Config, s, r.now())
	if err != nil {
		return failedCerts(err), err
	}
	writes := append(p.writes, adoptions(s, p.writes, spod.UID)...)
	for _, secret := range writes {
		if err := r.writeSecret(ctx, spod, secret); err != nil {
			return failedCerts(err), err
		}
	}
	if len(p.issued) > 0 {
		slices.Sort(p.issued)
		ctrl.LoggerFrom(ctx).Info("Issued serving certificates", "secrets", p.issued)
		if r.Events != nil {
			r.Events.Eventf(spod, nil, corev1.EventTypeNormal, ReasonCertificatesIssued, "Issue",
				"Issued the certificates in Secrets %s", strings.Join(p.issued, ", "))
		}
	}
	return servingCerts{status: p.status, caBundle: p.caBundle, renewAt: p.renewAt}, nil
}

// adoptions are the generated Secrets nobody writes this pass that do not
// name spod as their owner yet, e.g. after spod was deleted and created
// again.
func adoptions(s certSecrets, writes []*corev1.Secret, owner types.UID) []*corev1.Secret {
	var out []*corev1.Secret
	for _, secret := range []*corev1.Secret{s.ca, s.webhook, s.metrics} {
		if secret == nil || !generated(secret) || slices.ContainsFunc(writes, func(w *corev1.Secret) bool { return w.Name == secret.Name }) {
			continue
		}
		if !slices.ContainsFunc(secret.OwnerReferences, func(o metav1.OwnerReference) bool { return o.UID == owner }) {
			out = append(out, secret.DeepCopy())
		}
	}
	return out
}

// writeSecret creates a new Secret or updates a stored one. The update
// carries the resourceVersion the pass read: if the installer replaced the
// Secret meanwhile, it conflicts instead of overwriting theirs.
func (r *Reconciler) writeSecret(ctx context.Context, spod *spodv1alpha1.SecurityProfilesOperatorDaemon, secret *corev1.Secret) error {
	secret.OwnerReferences = []metav1.OwnerReference{ownerRef(spod)}
	var err error
	if secret.ResourceVersion == "" {
		err = r.Client.Create(ctx, secret, client.FieldOwner(FieldOwner))
	} else {
		err = r.Client.Update(ctx, secret, client.FieldOwner(FieldOwner))
	}
	if err != nil {
		return fmt.Errorf("write secret %s: %w", secret.Name, err)
	}
	return nil
}

// errCertManagerMissing is why an install that requires cert-manager does
// not deploy: installing cert-manager's CRDs triggers a new pass.
var errCertManagerMissing = errors.New("this install requires cert-manager (REQUIRE_CERT_MANAGER=true), " +
	"but its CRD " + CertificateCRD + " is not installed; install cert-manager or unset REQUIRE_CERT_MANAGER")

func failedCerts(err error) servingCerts {
	var status *apierrors.StatusError
	msg := err.Error()
	if errors.As(err, &status) {
		msg = status.ErrStatus.Message
	}
	return servingCerts{status: CertStatus{Reason: ReasonCertificatesFailed, Message: "Cannot issue the serving certificates: " + msg}}
}

func (r *Reconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}
