package spod_test

import (
	"context"
	"time"

	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/controllers/spod"
	"github.com/securityprofiles/operator/internal/webhookconfig"
)

// staticBody leaves the webhook configuration to the installer and
// changes what the manager would otherwise write into it and elsewhere.
const staticBody = `{"spec":{"staticWebhookConfig":true,"verbosity":1,"webhookOptions":[{"name":"binding.spo.io","failurePolicy":"Ignore"}]}}`

// itLeavesAStaticWebhookConfigAlone hand-edits the webhook configuration
// with staticWebhookConfig set, checks that reconciles neither revert nor
// recreate it, then unsets the field and expects the manager's
// configuration (baseline fingerprint) back.
func itLeavesAStaticWebhookConfigAlone(ctx context.Context, baseline string) {
	patchSpod(ctx, staticBody)
	Eventually(func(g Gomega) {
		list := &eventsv1.EventList{}
		g.Expect(env.Client.List(ctx, list, client.InNamespace(cfg.Namespace))).To(Succeed())
		g.Expect(list.Items).To(ContainElement(HaveField("Reason", spod.ReasonWebhookConfigurationStatic)))
	}).WithTimeout(timeout).Should(Succeed())

	// Retried: a manager that still wrote would conflict here, and it
	// should fail below, where it says why.
	var mwc *admissionregistrationv1.MutatingWebhookConfiguration
	Eventually(func(g Gomega) {
		mwc = read(ctx, g).mwc
		timeoutSeconds := int32(12)
		for i := range mwc.Webhooks {
			mwc.Webhooks[i].TimeoutSeconds = &timeoutSeconds
			mwc.Webhooks[i].ClientConfig.CABundle = []byte("installer CA")
		}
		g.Expect(env.Client.Update(ctx, mwc, client.FieldOwner("installer"))).To(Succeed())
	}).WithTimeout(timeout).Should(Succeed())
	edited := mwc.DeepCopy()

	// The verbosity change reaches the webhook Deployment: the manager
	// reconciled spod after the edit, and twice more by hand.
	Eventually(func(g Gomega) []string {
		return read(ctx, g).webhook.Spec.Template.Spec.Containers[0].Args
	}).WithTimeout(timeout).Should(ContainElement("--verbosity=1"))
	r := &spod.Reconciler{Client: env.Client, Config: cfg}
	for range 2 {
		_, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: spodKey()})
		Expect(err).NotTo(HaveOccurred())
	}
	Consistently(func(g Gomega) *admissionregistrationv1.MutatingWebhookConfiguration {
		return read(ctx, g).mwc
	}).WithTimeout(2 * time.Second).Should(And(
		HaveField("ResourceVersion", edited.ResourceVersion),
		HaveField("Webhooks", Equal(edited.Webhooks)),
	))

	// Nor is it recreated once the installer deletes it.
	Expect(env.Client.Delete(ctx, mwc)).To(Succeed())
	_, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: spodKey()})
	Expect(err).NotTo(HaveOccurred())
	Consistently(func() bool {
		err := env.Client.Get(ctx, types.NamespacedName{Name: webhookconfig.Name}, &admissionregistrationv1.MutatingWebhookConfiguration{})
		return apierrors.IsNotFound(err)
	}).WithTimeout(2 * time.Second).Should(BeTrue())

	// Unset, the manager applies its own configuration again.
	patchSpod(ctx, revertBody(staticBody))
	Eventually(func(g Gomega) string { return read(ctx, g).fingerprint() }).WithTimeout(timeout).Should(Equal(baseline))
}
