package spod_test

import (
	"slices"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/controllers/spod"
	"github.com/securityprofiles/operator/test/spodpatches"
)

const timeout = 20 * time.Second

// The specs share the one spod and the cluster-scoped webhook
// configuration, so they run in order; each leaves spod as it found it.
var _ = Describe("The spod controller", Ordered, func() {
	var baseline string

	It("creates the default spod and deploys it", func(ctx SpecContext) {
		Eventually(stateOf(ctx)).WithTimeout(timeout).Should(Equal(spodv1alpha1.StateCreating))
		d := read(ctx, Default)
		Expect(d.spod.Spec.PriorityClassName).To(Equal(spodv1alpha1.DefaultPriorityClassName))
		Expect(d.container(spod.DaemonContainer).Image).To(Equal(cfg.DaemonImage))
		Expect(d.container(spod.DaemonContainer).VolumeMounts).To(ContainElement(HaveField("MountPath", cfg.KubeletDir+"/seccomp")))
		Expect(envOf(d.container(spod.DaemonContainer), spod.EnvKubeletDir)).To(Equal(cfg.KubeletDir))
		Expect(d.ds.Spec.Template.Spec.HostPID).To(BeFalse())
		Expect(*d.webhook.Spec.Replicas).To(BeNumerically(">=", 2))
		Expect(d.mwc.Webhooks).To(HaveLen(2))
		Expect(d.mwc.Webhooks[0].ClientConfig.Service.Name).To(Equal(d.service.Name))
		Expect(meta.IsStatusConditionFalse(d.spod.Status.Conditions, "Ready")).To(BeTrue())
		baseline = d.fingerprint()
	})

	It("goes RUNNING when the DaemonSet is ready, and UPDATING while a change rolls out", func(ctx SpecContext) {
		markReady(ctx)
		Eventually(stateOf(ctx)).WithTimeout(timeout).Should(Equal(spodv1alpha1.StateRunning))
		d := read(ctx, Default)
		Expect(meta.IsStatusConditionTrue(d.spod.Status.Conditions, "Ready")).To(BeTrue())
		Eventually(func(g Gomega) {
			list := &eventsv1.EventList{}
			g.Expect(env.Client.List(ctx, list, client.InNamespace(cfg.Namespace))).To(Succeed())
			g.Expect(list.Items).To(ContainElement(HaveField("Reason", spod.ReasonRunning)))
		}).WithTimeout(timeout).Should(Succeed())

		patchSpod(ctx, `{"spec":{"verbosity":1}}`)
		Eventually(stateOf(ctx)).WithTimeout(timeout).Should(Equal(spodv1alpha1.StateUpdating))
		markReady(ctx)
		Eventually(stateOf(ctx)).WithTimeout(timeout).Should(Equal(spodv1alpha1.StateRunning))
		patchSpod(ctx, revertBody(`{"spec":{"verbosity":1}}`))
		Eventually(func(g Gomega) string { return read(ctx, g).fingerprint() }).WithTimeout(timeout).Should(Equal(baseline))
	})

	It("has the manual's fifteen patches", func() {
		Expect(spodpatches.Manual).To(HaveLen(15))
	})

	for i, body := range append(slices.Clone(spodpatches.Manual), extraPatches...) {
		It("applies and reverts patch "+string(rune('A'+i))+" "+specKeysLabel(body), func(ctx SpecContext) {
			for _, k := range specKeys(body) {
				Expect(effects).To(HaveKey(k), "no assertion for spec field %s", k)
			}
			patchSpod(ctx, body)
			want := specOf(body)
			Eventually(func(g Gomega) {
				d := read(ctx, g)
				for _, k := range specKeys(body) {
					effects[k](ctx, g, want, d)
				}
				// allowedSyscalls changes nothing the manager deploys:
				// the daemon reads it from spod. hostProcVolumePath
				// matters only to the recorders, which are off here.
				if k := specKeysLabel(body); k != "allowedSyscalls" && k != "hostProcVolumePath" {
					g.Expect(d.fingerprint()).NotTo(Equal(baseline))
				}
			}).WithTimeout(timeout).Should(Succeed())

			patchSpod(ctx, revertBody(body))
			Eventually(func(g Gomega) string { return read(ctx, g).fingerprint() }).WithTimeout(timeout).Should(Equal(baseline))
		})
	}

	It("makes no writes when reconciling an unchanged spod twice", func(ctx SpecContext) {
		markReady(ctx)
		Eventually(stateOf(ctx)).WithTimeout(timeout).Should(Equal(spodv1alpha1.StateRunning))
		before := read(ctx, Default).resourceVersions()
		r := &spod.Reconciler{Client: env.Client, Config: cfg}
		for range 2 {
			_, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: spodKey()})
			Expect(err).NotTo(HaveOccurred())
		}
		Expect(read(ctx, Default).resourceVersions()).To(Equal(before))
		// Nor does the running controller keep writing on its own.
		Consistently(func(g Gomega) []string { return read(ctx, g).resourceVersions() }).
			WithTimeout(2 * time.Second).Should(Equal(before))
	})

	It("leaves fields other parties set on the webhook configuration alone", func(ctx SpecContext) {
		d := read(ctx, Default)
		bundle := d.mwc.Webhooks[0].ClientConfig.CABundle
		d.mwc.Labels = map[string]string{"platform.example.com/managed": "true"}
		Expect(env.Client.Update(ctx, d.mwc, client.FieldOwner("platform"))).To(Succeed())
		labelled := d.mwc.ResourceVersion

		r := &spod.Reconciler{Client: env.Client, Config: cfg}
		_, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: spodKey()})
		Expect(err).NotTo(HaveOccurred())
		after := read(ctx, Default).mwc
		Expect(after.ResourceVersion).To(Equal(labelled))
		Expect(after.Labels).To(HaveKey("platform.example.com/managed"))
		Expect(after.Webhooks[0].ClientConfig.CABundle).To(Equal(bundle))
	})

	It("leaves a hand-edited webhook configuration alone with staticWebhookConfig, and manages it again without", func(ctx SpecContext) {
		itLeavesAStaticWebhookConfigAlone(ctx, baseline)
	})

	It("issues the serving certificates from its own CA without cert-manager", itIssuesOwnCertificates)
	It("makes no writes when reconciling twice with its own certificates", itMakesNoCertificateWrites)
	It("renews a serving certificate that is about to expire", itRenewsAnExpiringLeaf)
	It("replaces a CA that is about to expire and trusts the old one until it expires", itRotatesAnExpiringCA)
	It("never overwrites serving certificates the installer provided", itLeavesUserSecretsAlone)
	It("reports ERROR instead of issuing its own certificates when cert-manager is required but missing", itRefusesToSelfSignWhenCertManagerIsRequired)

	It("reports ERROR with the API server's message for a spec it cannot deploy, and recovers", func(ctx SpecContext) {
		bad := `{"spec":{"tolerations":[{"key":"k","operator":"Exists","value":"v"}]}}`
		patchSpod(ctx, bad)
		Eventually(stateOf(ctx)).WithTimeout(timeout).Should(Equal(spodv1alpha1.StateError))
		d := read(ctx, Default)
		Expect(d.spod.Status.Message).To(ContainSubstring("tolerations"))
		Expect(meta.IsStatusConditionFalse(d.spod.Status.Conditions, "Ready")).To(BeTrue())

		patchSpod(ctx, revertBody(bad))
		markReady(ctx)
		Eventually(stateOf(ctx)).WithTimeout(timeout).Should(Equal(spodv1alpha1.StateRunning))
	})

	It("deploys the metrics Service, and no ServiceMonitor without prometheus-operator's CRD", func(ctx SpecContext) {
		d := read(ctx, Default)
		Expect(d.metrics.Spec.Selector).To(Equal(d.ds.Spec.Template.Labels))
		Expect(d.container(spod.DaemonContainer).Ports).To(ContainElement(HaveField("Name", "metrics")))
		_, err := getUnstructured(ctx, spod.ServiceMonitorGVK, spod.ServiceMonitorName)
		Expect(meta.IsNoMatchError(err)).To(BeTrue(), "%v", err)
		Expect(d.spod.Status.State).To(Equal(spodv1alpha1.StateRunning))
	})

	It("creates the ServiceMonitor once prometheus-operator's CRD is installed, and only once", func(ctx SpecContext) {
		installCRD(ctx, spod.ServiceMonitorGVK)
		Eventually(func(g Gomega) {
			sm, err := getUnstructured(ctx, spod.ServiceMonitorGVK, spod.ServiceMonitorName)
			g.Expect(err).NotTo(HaveOccurred())
			endpoints, _, _ := unstructured.NestedSlice(sm.Object, "spec", "endpoints")
			g.Expect(endpoints).To(ContainElements(HaveKeyWithValue("path", "/metrics"), HaveKeyWithValue("path", "/metrics-spod")))
			g.Expect(sm.GetOwnerReferences()).To(ContainElement(HaveField("Name", spodv1alpha1.Name)))
		}).WithTimeout(timeout).Should(Succeed())

		sm, err := getUnstructured(ctx, spod.ServiceMonitorGVK, spod.ServiceMonitorName)
		Expect(err).NotTo(HaveOccurred())
		before := append(read(ctx, Default).resourceVersions(), sm.GetResourceVersion())
		r := &spod.Reconciler{Client: env.Client, Config: cfg}
		for range 2 {
			_, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: spodKey()})
			Expect(err).NotTo(HaveOccurred())
		}
		sm, err = getUnstructured(ctx, spod.ServiceMonitorGVK, spod.ServiceMonitorName)
		Expect(err).NotTo(HaveOccurred())
		Expect(append(read(ctx, Default).resourceVersions(), sm.GetResourceVersion())).To(Equal(before))
	})

	It("requests the serving certificates once cert-manager's CRDs are installed", func(ctx SpecContext) {
		installCRD(ctx, spod.IssuerGVK)
		installCRD(ctx, spod.CertificateGVK)
		Eventually(func(g Gomega) {
			_, err := getUnstructured(ctx, spod.IssuerGVK, spod.IssuerName)
			g.Expect(err).NotTo(HaveOccurred())
			var secrets []string
			for _, name := range []string{"webhook-cert", "metrics-cert"} {
				c, err := getUnstructured(ctx, spod.CertificateGVK, name)
				g.Expect(err).NotTo(HaveOccurred())
				secret, _, _ := unstructured.NestedString(c.Object, "spec", "secretName")
				secrets = append(secrets, secret)
			}
			g.Expect(secrets).To(Equal([]string{spod.WebhookCertSecret, spod.MetricsCertSecret}))
			g.Expect(meta.IsStatusConditionTrue(read(ctx, g).spod.Status.Conditions, spod.ConditionCertificates)).To(BeTrue())
		}).WithTimeout(timeout).Should(Succeed())
		Expect(read(ctx, Default).mwc.Annotations).To(HaveKeyWithValue("cert-manager.io/inject-ca-from", cfg.Namespace+"/webhook-cert"))

		versions := func() []string {
			out := read(ctx, Default).resourceVersions()
			for _, name := range []string{"webhook-cert", "metrics-cert"} {
				c, err := getUnstructured(ctx, spod.CertificateGVK, name)
				Expect(err).NotTo(HaveOccurred())
				out = append(out, c.GetResourceVersion())
			}
			return out
		}
		before := versions()
		r := &spod.Reconciler{Client: env.Client, Config: cfg}
		for range 2 {
			_, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: spodKey()})
			Expect(err).NotTo(HaveOccurred())
		}
		Expect(versions()).To(Equal(before))
	})

	It("neither issues certificates nor sets caBundle once cert-manager is installed", itLeavesCertificatesToCertManager)

	It("stays RUNNING with SELinux on while no node runs SELinux, and deletes selinuxd when SELinux goes off", func(ctx SpecContext) {
		markReady(ctx)
		Eventually(stateOf(ctx)).WithTimeout(timeout).Should(Equal(spodv1alpha1.StateRunning))
		patchSpod(ctx, `{"spec":{"enableSelinux":true}}`)
		key := types.NamespacedName{Namespace: cfg.Namespace, Name: spod.SelinuxdDaemonSetName}
		selinuxd := &appsv1.DaemonSet{}
		Eventually(func() error { return env.Client.Get(ctx, key, selinuxd) }).WithTimeout(timeout).Should(Succeed())
		// The daemon's pod template changed (the probe): it rolls out.
		Eventually(stateOf(ctx)).WithTimeout(timeout).Should(Equal(spodv1alpha1.StateUpdating))
		markReady(ctx)
		// A selinuxd the DaemonSet controller has not looked at yet is not rolled out.
		Consistently(stateOf(ctx)).WithTimeout(time.Second).Should(Equal(spodv1alpha1.StateUpdating))
		// No node is labelled as running SELinux: selinuxd is scheduled nowhere.
		Eventually(func() error {
			if err := env.Client.Get(ctx, key, selinuxd); err != nil {
				return err
			}
			selinuxd.Status = appsv1.DaemonSetStatus{ObservedGeneration: selinuxd.Generation}
			return env.Client.Status().Update(ctx, selinuxd)
		}).WithTimeout(timeout).Should(Succeed())
		Eventually(stateOf(ctx)).WithTimeout(timeout).Should(Equal(spodv1alpha1.StateRunning))

		patchSpod(ctx, `{"spec":{"enableSelinux":null}}`)
		Eventually(func() bool { return apierrors.IsNotFound(env.Client.Get(ctx, key, &appsv1.DaemonSet{})) }).
			WithTimeout(timeout).Should(BeTrue())
		Eventually(func(g Gomega) []corev1.Container { return read(ctx, g).ds.Spec.Template.Spec.InitContainers }).
			WithTimeout(timeout).Should(BeEmpty(), "no SELinux probe")
		markReady(ctx)
		Eventually(stateOf(ctx)).WithTimeout(timeout).Should(Equal(spodv1alpha1.StateRunning))
	})

	It("runs a DaemonSet per labelled kubelet root, and deletes it when no node is labelled with it any more", func(ctx SpecContext) {
		markReady(ctx)
		node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "gpu-node-1",
			Labels: map[string]string{keys.NodeDirectoryLocationLabel: "mnt-resource-kubelet"}}}
		Expect(env.Client.Create(ctx, node)).To(Succeed())
		rootDaemons := func(g Gomega) []string {
			list := &appsv1.DaemonSetList{}
			g.Expect(env.Client.List(ctx, list, client.InNamespace(cfg.Namespace), client.HasLabels{spod.KubeletRootLabel})).To(Succeed())
			var out []string
			for _, ds := range list.Items {
				c := ds.Spec.Template.Spec.Containers[0]
				out = append(out, ds.Name+" "+envOf(&c, spod.EnvKubeletDir))
			}
			return out
		}
		Eventually(rootDaemons).WithTimeout(timeout).Should(ConsistOf(MatchRegexp(`^spod-[0-9a-f]{10} /mnt/resource/kubelet$`)))
		Eventually(func(g Gomega) []corev1.NodeSelectorTerm {
			a := read(ctx, g).ds.Spec.Template.Spec.Affinity
			g.Expect(a).NotTo(BeNil())
			return a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
		}).WithTimeout(timeout).Should(ConsistOf(HaveField("MatchExpressions", ContainElement(
			HaveField("Values", ConsistOf("mnt-resource-kubelet"))))), "spod's own pods avoid that node")

		delete(node.Labels, keys.NodeDirectoryLocationLabel)
		Expect(env.Client.Update(ctx, node)).To(Succeed())
		Eventually(rootDaemons).WithTimeout(timeout).Should(BeEmpty())
		Eventually(func(g Gomega) *corev1.Affinity { return read(ctx, g).ds.Spec.Template.Spec.Affinity }).
			WithTimeout(timeout).Should(BeNil())
		Expect(env.Client.Delete(ctx, node)).To(Succeed())
		markReady(ctx)
		Eventually(stateOf(ctx)).WithTimeout(timeout).Should(Equal(spodv1alpha1.StateRunning))
	})

	It("recreates spod when it is deleted", func(ctx SpecContext) {
		old := read(ctx, Default).spod
		Expect(env.Client.Delete(ctx, old)).To(Succeed())
		Eventually(func(g Gomega) {
			g.Expect(read(ctx, g).spod.UID).NotTo(Equal(old.UID))
		}).WithTimeout(timeout).Should(Succeed())
	})
})

// extraPatches set the CF1 fields the manual describes without a patch
// command of its own.
var extraPatches = []string{
	`{"spec":{"enableSelinux":true}}`,
	`{"spec":{"enableAppArmor":true}}`,
}

// specKeysLabel names a patch by the spec fields it sets.
func specKeysLabel(body string) string {
	keys := specKeys(body)
	out := ""
	for i, k := range keys {
		if i > 0 {
			out += ","
		}
		out += k
	}
	return out
}
