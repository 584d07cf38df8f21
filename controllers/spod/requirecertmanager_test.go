package spod_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/controllers/spod"
)

// itRefusesToSelfSignWhenCertManagerIsRequired runs while cert-manager's
// CRDs are absent. It drives a second reconciler, for an install in its
// own namespace that requires cert-manager (config/cert-manager), by hand.
func itRefusesToSelfSignWhenCertManagerIsRequired(ctx SpecContext) {
	c := env.Client
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "spo-require-cm-"}}
	Expect(c.Create(ctx, ns)).To(Succeed())
	DeferCleanup(func(ctx context.Context) { Expect(c.Delete(ctx, ns)).To(Succeed()) })
	required := cfg
	required.Namespace = ns.Name
	required.RequireCertManager = true
	r := &spod.Reconciler{Client: c, Config: required}
	req := ctrl.Request{NamespacedName: client.ObjectKey{Namespace: ns.Name, Name: spodv1alpha1.Name}}

	// The first pass creates spod, the second its PENDING status, the
	// third would deploy; the last two have no certificates to go on.
	_, err := r.Reconcile(ctx, req)
	Expect(err).NotTo(HaveOccurred())
	for range 2 {
		_, err := r.Reconcile(ctx, req)
		Expect(err).To(MatchError(ContainSubstring("REQUIRE_CERT_MANAGER")))
	}

	got := &spodv1alpha1.SecurityProfilesOperatorDaemon{}
	Expect(c.Get(ctx, req.NamespacedName, got)).To(Succeed())
	Expect(got.Status.State).To(Equal(spodv1alpha1.StateError))
	Expect(got.Status.Message).To(ContainSubstring("cert-manager"))
	cond := meta.FindStatusCondition(got.Status.Conditions, spod.ConditionCertificates)
	Expect(cond).NotTo(BeNil())
	Expect(cond.Status).To(Equal(metav1.ConditionFalse))
	Expect(cond.Message).To(ContainSubstring("REQUIRE_CERT_MANAGER"))
	// Nothing was issued or deployed.
	for _, name := range []string{spod.CASecret, spod.WebhookCertSecret, spod.MetricsCertSecret} {
		err := c.Get(ctx, client.ObjectKey{Namespace: ns.Name, Name: name}, &corev1.Secret{})
		Expect(apierrors.IsNotFound(err)).To(BeTrue(), "secret %s: %v", name, err)
	}
}
