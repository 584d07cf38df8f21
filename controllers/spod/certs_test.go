package spod_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/controllers/spod"
	"github.com/securityprofiles/operator/internal/selfsignedcerts"
)

const day = 24 * time.Hour

// servingSecrets are the Secrets the manager issues without cert-manager.
var servingSecrets = []string{spod.CASecret, spod.WebhookCertSecret, spod.MetricsCertSecret}

func getSecret(ctx context.Context, g Gomega, name string) *corev1.Secret {
	s := &corev1.Secret{}
	g.Expect(env.Client.Get(ctx, types.NamespacedName{Namespace: cfg.Namespace, Name: name}, s)).To(Succeed())
	return s
}

func dnsNames(service string) []string {
	return []string{service + "." + cfg.Namespace + ".svc", service + "." + cfg.Namespace + ".svc.cluster.local"}
}

// checkLeaf asserts the Secret holds a serving certificate for service
// that verifies against bundle and whose key matches, and returns it.
func checkLeaf(g Gomega, s *corev1.Secret, service string, bundle []byte) *x509.Certificate {
	g.Expect(s.Type).To(Equal(corev1.SecretTypeTLS))
	_, err := tls.X509KeyPair(s.Data[corev1.TLSCertKey], s.Data[corev1.TLSPrivateKeyKey])
	g.Expect(err).NotTo(HaveOccurred())
	cert, _, err := selfsignedcerts.Parse(selfsignedcerts.KeyPair{Cert: s.Data[corev1.TLSCertKey], Key: s.Data[corev1.TLSPrivateKeyKey]})
	g.Expect(err).NotTo(HaveOccurred())
	roots := x509.NewCertPool()
	g.Expect(roots.AppendCertsFromPEM(bundle)).To(BeTrue())
	for _, name := range dnsNames(service) {
		_, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: name, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		g.Expect(err).NotTo(HaveOccurred(), name)
	}
	g.Expect(s.Data["ca.crt"]).To(Equal(bundle))
	return cert
}

// selfSignedState asserts the manager's own certificates are in place and
// consistent, and returns the CA Secret.
func selfSignedState(ctx context.Context, g Gomega) *corev1.Secret {
	ca := getSecret(ctx, g, spod.CASecret)
	bundle := ca.Data["ca.crt"]
	for _, name := range servingSecrets {
		s := getSecret(ctx, g, name)
		g.Expect(s.Labels).To(HaveKeyWithValue(spodv1alpha1.CertificateGeneratedLabel, "true"), name)
		g.Expect(s.OwnerReferences).To(ContainElement(HaveField("Name", spodv1alpha1.Name)), name)
	}
	checkLeaf(g, getSecret(ctx, g, spod.WebhookCertSecret), spod.WebhookServiceName, bundle)
	checkLeaf(g, getSecret(ctx, g, spod.MetricsCertSecret), spod.MetricsServiceName, bundle)
	d := read(ctx, g)
	for _, h := range d.mwc.Webhooks {
		g.Expect(h.ClientConfig.CABundle).To(Equal(bundle), h.Name)
	}
	g.Expect(d.mwc.Annotations).NotTo(HaveKey("cert-manager.io/inject-ca-from"))
	c := meta.FindStatusCondition(d.spod.Status.Conditions, spod.ConditionCertificates)
	g.Expect(c).NotTo(BeNil())
	g.Expect(c.Reason).To(Equal(spod.ReasonSelfSigned))
	g.Expect(c.Status).To(Equal(metav1.ConditionTrue))
	return ca
}

// secretVersions lists the serving Secrets' resourceVersions.
func secretVersions(ctx context.Context) []string {
	var out []string
	for _, name := range servingSecrets {
		out = append(out, getSecret(ctx, Default, name).ResourceVersion)
	}
	return out
}

func itIssuesOwnCertificates(ctx context.Context) {
	Eventually(func(g Gomega) { selfSignedState(ctx, g) }).WithTimeout(timeout).Should(Succeed())
	Eventually(func(g Gomega) {
		list := &eventsv1.EventList{}
		g.Expect(env.Client.List(ctx, list, client.InNamespace(cfg.Namespace))).To(Succeed())
		g.Expect(list.Items).To(ContainElement(HaveField("Reason", spod.ReasonCertificatesIssued)))
	}).WithTimeout(timeout).Should(Succeed())

	// The API server, trusting caBundle only, accepts a server using the
	// webhook's certificate under the Service's name.
	leaf := getSecret(ctx, Default, spod.WebhookCertSecret)
	pair, err := tls.X509KeyPair(leaf.Data[corev1.TLSCertKey], leaf.Data[corev1.TLSPrivateKeyKey])
	Expect(err).NotTo(HaveOccurred())
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12})
	Expect(err).NotTo(HaveOccurred())
	defer l.Close()
	go func() {
		if c, err := l.Accept(); err == nil {
			_, _ = c.Write([]byte("admitted"))
			_ = c.Close()
		}
	}()
	roots := x509.NewCertPool()
	Expect(roots.AppendCertsFromPEM(read(ctx, Default).mwc.Webhooks[0].ClientConfig.CABundle)).To(BeTrue())
	conn, err := tls.Dial("tcp", l.Addr().String(), &tls.Config{
		RootCAs: roots, ServerName: dnsNames(spod.WebhookServiceName)[0], MinVersion: tls.VersionTLS12,
	})
	Expect(err).NotTo(HaveOccurred())
	defer conn.Close()
	Expect(io.ReadAll(conn)).To(Equal([]byte("admitted")))
}

func itMakesNoCertificateWrites(ctx context.Context) {
	Eventually(func(g Gomega) { selfSignedState(ctx, g) }).WithTimeout(timeout).Should(Succeed())
	before := append(read(ctx, Default).resourceVersions(), secretVersions(ctx)...)
	r := &spod.Reconciler{Client: env.Client, Config: cfg}
	for range 2 {
		res, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: spodKey()})
		Expect(err).NotTo(HaveOccurred())
		// The next pass is due when the leaves are 30 days from expiry.
		Expect(res.RequeueAfter).To(BeNumerically("~", 60*day, time.Hour))
	}
	Expect(append(read(ctx, Default).resourceVersions(), secretVersions(ctx)...)).To(Equal(before))
}

// itRenewsAnExpiringLeaf writes a leaf of the current CA that expires in
// ten days into the webhook Secret, as if it had been issued 80 days ago.
func itRenewsAnExpiringLeaf(ctx context.Context) {
	ca := getSecret(ctx, Default, spod.CASecret)
	kp := selfsignedcerts.KeyPair{Cert: ca.Data[corev1.TLSCertKey], Key: ca.Data[corev1.TLSPrivateKeyKey]}
	short, err := selfsignedcerts.Issue(kp, dnsNames(spod.WebhookServiceName), time.Now(), 10*day)
	Expect(err).NotTo(HaveOccurred())
	s := getSecret(ctx, Default, spod.WebhookCertSecret)
	s.Data[corev1.TLSCertKey], s.Data[corev1.TLSPrivateKeyKey] = short.Cert, short.Key
	Expect(env.Client.Update(ctx, s)).To(Succeed())

	Eventually(func(g Gomega) {
		selfSignedState(ctx, g)
		cert, _, err := selfsignedcerts.Parse(selfsignedcerts.KeyPair{
			Cert: getSecret(ctx, g, spod.WebhookCertSecret).Data[corev1.TLSCertKey],
			Key:  getSecret(ctx, g, spod.WebhookCertSecret).Data[corev1.TLSPrivateKeyKey],
		})
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(cert.NotAfter).To(BeTemporally(">", time.Now().Add(80*day)))
	}).WithTimeout(timeout).Should(Succeed())
	Expect(getSecret(ctx, Default, spod.CASecret).ResourceVersion).To(Equal(ca.ResourceVersion), "the CA was fine")
}

// itRotatesAnExpiringCA replaces the CA with one that expires in twenty
// days: the manager issues a new CA, reissues both leaves from it and
// trusts both CAs until the old one expires.
func itRotatesAnExpiringCA(ctx context.Context) {
	old, err := selfsignedcerts.NewCA("old", time.Now(), 20*day)
	Expect(err).NotTo(HaveOccurred())
	s := getSecret(ctx, Default, spod.CASecret)
	s.Data = map[string][]byte{corev1.TLSCertKey: old.Cert, corev1.TLSPrivateKeyKey: old.Key, "ca.crt": old.Cert}
	Expect(env.Client.Update(ctx, s)).To(Succeed())

	Eventually(func(g Gomega) {
		ca := selfSignedState(ctx, g)
		g.Expect(ca.Data[corev1.TLSCertKey]).NotTo(Equal(old.Cert))
		bundle, err := selfsignedcerts.ParseCerts(ca.Data["ca.crt"])
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(bundle).To(HaveLen(2))
		g.Expect(bundle[1].Subject.CommonName).To(Equal("old"))
		g.Expect(bundle[0].NotAfter).To(BeTemporally(">", time.Now().Add(300*day)))
	}).WithTimeout(timeout).Should(Succeed())

	// The next pass drops the old CA from the bundles when it expires.
	r := &spod.Reconciler{Client: env.Client, Config: cfg}
	res, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: spodKey()})
	Expect(err).NotTo(HaveOccurred())
	Expect(res.RequeueAfter).To(BeNumerically("~", 20*day, time.Hour))
	after := &spod.Reconciler{Client: env.Client, Config: cfg, Now: func() time.Time { return time.Now().Add(21 * day) }}
	Eventually(func(g Gomega) {
		// The running manager may write at the same time: retry.
		_, err := after.Reconcile(ctx, ctrl.Request{NamespacedName: spodKey()})
		g.Expect(err).NotTo(HaveOccurred())
		bundle, err := selfsignedcerts.ParseCerts(getSecret(ctx, g, spod.CASecret).Data["ca.crt"])
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(bundle).To(HaveLen(1))
	}).WithTimeout(timeout).Should(Succeed())
	Eventually(func(g Gomega) { selfSignedState(ctx, g) }).WithTimeout(timeout).Should(Succeed())
}

// itLeavesUserSecretsAlone replaces the manager's Secrets with the
// installer's, one at a time, then deletes them again.
func itLeavesUserSecretsAlone(ctx context.Context) {
	userCA, err := selfsignedcerts.NewCA("installer", time.Now(), 365*day)
	Expect(err).NotTo(HaveOccurred())
	replace := func(name, service string) *corev1.Secret {
		leaf, err := selfsignedcerts.Issue(userCA, dnsNames(service), time.Now(), 365*day)
		Expect(err).NotTo(HaveOccurred())
		// The installer's Secret replaces the manager's: no label, no owner.
		s := getSecret(ctx, Default, name)
		s.Labels, s.OwnerReferences = nil, nil
		s.Data = map[string][]byte{corev1.TLSCertKey: leaf.Cert, corev1.TLSPrivateKeyKey: leaf.Key, "ca.crt": userCA.Cert}
		Expect(env.Client.Update(ctx, s)).To(Succeed())
		return s
	}
	condition := func(g Gomega) *metav1.Condition {
		return meta.FindStatusCondition(read(ctx, g).spod.Status.Conditions, spod.ConditionCertificates)
	}

	webhook := replace(spod.WebhookCertSecret, spod.WebhookServiceName)
	Eventually(func(g Gomega) {
		d := read(ctx, g)
		for _, h := range d.mwc.Webhooks {
			g.Expect(h.ClientConfig.CABundle).To(Equal(userCA.Cert))
		}
		g.Expect(condition(g).Message).To(ContainSubstring(spod.WebhookCertSecret + " was provided by the installer"))
	}).WithTimeout(timeout).Should(Succeed())
	metrics := replace(spod.MetricsCertSecret, spod.MetricsServiceName)
	Eventually(func(g Gomega) {
		g.Expect(condition(g).Reason).To(Equal(spod.ReasonUserProvided))
		g.Expect(condition(g).Status).To(Equal(metav1.ConditionFalse))
	}).WithTimeout(timeout).Should(Succeed())

	r := &spod.Reconciler{Client: env.Client, Config: cfg, Now: func() time.Time { return time.Now().Add(400 * day) }}
	_, err = r.Reconcile(ctx, ctrl.Request{NamespacedName: spodKey()})
	Expect(err).NotTo(HaveOccurred())
	for _, s := range []*corev1.Secret{webhook, metrics} {
		Consistently(func(g Gomega) string { return getSecret(ctx, g, s.Name).ResourceVersion }).
			WithTimeout(time.Second).Should(Equal(s.ResourceVersion), s.Name)
	}

	Expect(env.Client.Delete(ctx, webhook)).To(Succeed())
	Expect(env.Client.Delete(ctx, metrics)).To(Succeed())
	Eventually(func(g Gomega) { selfSignedState(ctx, g) }).WithTimeout(timeout).Should(Succeed())
}

// itLeavesCertificatesToCertManager runs once cert-manager's CRDs exist:
// the manager no longer issues or sets caBundle.
func itLeavesCertificatesToCertManager(ctx context.Context) {
	Eventually(func(g Gomega) {
		for _, h := range read(ctx, g).mwc.Webhooks {
			g.Expect(h.ClientConfig.CABundle).To(BeEmpty(), h.Name)
		}
	}).WithTimeout(timeout).Should(Succeed())
	Expect(env.Client.Delete(ctx, getSecret(ctx, Default, spod.CASecret))).To(Succeed())
	Consistently(func() error {
		return env.Client.Get(ctx, types.NamespacedName{Namespace: cfg.Namespace, Name: spod.CASecret}, &corev1.Secret{})
	}).WithTimeout(2 * time.Second).ShouldNot(Succeed())

	// cert-manager's CA injector writes caBundle; the manager leaves it.
	d := read(ctx, Default)
	for i := range d.mwc.Webhooks {
		d.mwc.Webhooks[i].ClientConfig.CABundle = []byte("injected CA")
	}
	Expect(env.Client.Update(ctx, d.mwc, client.FieldOwner("cainjector"))).To(Succeed())
	r := &spod.Reconciler{Client: env.Client, Config: cfg}
	_, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: spodKey()})
	Expect(err).NotTo(HaveOccurred())
	after := read(ctx, Default).mwc
	Expect(after.ResourceVersion).To(Equal(d.mwc.ResourceVersion))
	Expect(after.Webhooks[0].ClientConfig.CABundle).To(Equal([]byte("injected CA")))
}
