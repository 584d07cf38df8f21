package binding

import (
	"context"
	"fmt"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apparmorprofilev1alpha1 "github.com/securityprofiles/operator/apis/apparmorprofile/v1alpha1"
	profilebindingv1alpha1 "github.com/securityprofiles/operator/apis/profilebinding/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/internal/webhookconfig"
	"github.com/securityprofiles/operator/webhooks/server"
)

// Options configure the binding webhook.
type Options struct {
	// DisableSchedulingGates admits pods whose profiles are not Installed
	// at once (spod enableSchedulingGates: false) instead of holding them
	// at the scheduling gate.
	DisableSchedulingGates bool
	// GateNamespaces, when set, are the only namespaces whose pods and
	// profiles the gate applies to: those the manager watches
	// (RESTRICT_TO_NAMESPACE). It releases no pod elsewhere.
	GateNamespaces []string
	// Namespaces, when set, are the only namespaces whose pods are
	// mutated: those a namespace-restricted webhook caches (see Handler).
	Namespaces []string
}

// Setup is Options{}.Setup: pods wait for their profiles.
func Setup(ctx context.Context, mgr ctrl.Manager) error { return Options{}.Setup(ctx, mgr) }

// Setup serves binding.spo.io on the manager's webhook server at
// webhookconfig.BindingPath and adds the status controller. The kinds the
// handler reads get their informers now, so the cache is warm (and the
// readiness check can wait for it) before the first pod arrives.
func (o Options) Setup(ctx context.Context, mgr ctrl.Manager) error {
	for _, obj := range []client.Object{
		&profilebindingv1alpha1.ProfileBinding{},
		&seccompprofilev1beta1.SeccompProfile{},
		&selinuxprofilev1alpha2.SelinuxProfile{},
		&selinuxprofilev1alpha2.RawSelinuxProfile{},
		&apparmorprofilev1alpha1.AppArmorProfile{},
	} {
		if _, err := mgr.GetCache().GetInformer(ctx, obj); err != nil {
			return fmt.Errorf("informer for %T: %w", obj, err)
		}
	}
	h := &Handler{Reader: mgr.GetCache(), Events: mgr.GetEventRecorder("binding-webhook"), Gates: !o.DisableSchedulingGates, GateNamespaces: o.GateNamespaces, Namespaces: o.Namespaces}
	mgr.GetWebhookServer().Register(webhookconfig.BindingPath, server.Handler(spodv1alpha1.BindingWebhookName, h))
	if err := NewStatusReconciler(mgr.GetClient()).SetupWithManager(mgr); err != nil {
		return fmt.Errorf("binding status controller: %w", err)
	}
	return nil
}
