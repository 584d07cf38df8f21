package spod_test

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/controllers/spod"
	"github.com/securityprofiles/operator/internal/webhookconfig"
)

// envtest runs no garbage collector (no kube-controller-manager): these
// specs check what the collector acts on, an ownerReference to a live
// cluster-scoped object with that object's current UID, not the deletion.
var _ = Describe("The webhook configuration's owner", func() {
	mwcOwners := func(ctx SpecContext) func(Gomega) []metav1.OwnerReference {
		return func(g Gomega) []metav1.OwnerReference {
			mwc := &admissionregistrationv1.MutatingWebhookConfiguration{}
			g.Expect(env.Client.Get(ctx, types.NamespacedName{Name: webhookconfig.Name}, mwc)).To(Succeed())
			return mwc.OwnerReferences
		}
	}
	createRole := func(ctx SpecContext) *rbacv1.ClusterRole {
		r := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: spod.ManagerClusterRole}}
		Expect(env.Client.Create(ctx, r)).To(Succeed())
		return r
	}

	It("is the manager's ClusterRole, by its current UID, and follows it when recreated", func(ctx SpecContext) {
		first := createRole(ctx)
		DeferCleanup(func(ctx SpecContext) {
			Expect(client.IgnoreNotFound(env.Client.Delete(ctx, &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: spod.ManagerClusterRole}}))).To(Succeed())
		})
		ownedBy := func(uid types.UID) OmegaMatcher {
			return ConsistOf(And(
				HaveField("APIVersion", "rbac.authorization.k8s.io/v1"), HaveField("Kind", "ClusterRole"),
				HaveField("Name", spod.ManagerClusterRole), HaveField("UID", uid),
				HaveField("BlockOwnerDeletion", Or(BeNil(), HaveValue(BeFalse())))))
		}
		Eventually(mwcOwners(ctx)).WithTimeout(timeout).Should(ownedBy(first.UID))

		// The collector ignores (and warns about) a namespaced owner of a
		// cluster-scoped dependent: the owner's kind must be cluster-scoped.
		mapping, err := env.Client.RESTMapper().RESTMapping(schema.GroupKind{Group: rbacv1.GroupName, Kind: "ClusterRole"}, "v1")
		Expect(err).NotTo(HaveOccurred())
		Expect(mapping.Scope.Name()).To(Equal(meta.RESTScopeNameRoot))

		Expect(env.Client.Delete(ctx, first)).To(Succeed())
		second := createRole(ctx)
		Expect(second.UID).NotTo(Equal(first.UID))
		Eventually(mwcOwners(ctx)).WithTimeout(timeout).Should(ownedBy(second.UID))
	})
})

var _ = Describe("Webhook availability", func() {
	It("keeps one webhook replica through voluntary disruptions and spreads the replicas over nodes", func(ctx SpecContext) {
		Eventually(func(g Gomega) {
			pdb := &policyv1.PodDisruptionBudget{}
			g.Expect(env.Client.Get(ctx, types.NamespacedName{Namespace: cfg.Namespace, Name: spod.WebhookDeploymentName}, pdb)).To(Succeed())
			g.Expect(pdb.Spec.MaxUnavailable).To(HaveValue(Equal(intstr.FromInt32(1))))
			g.Expect(pdb.Spec.Selector).To(HaveValue(HaveField("MatchLabels", spod.WebhookLabels())))
			g.Expect(pdb.Spec.UnhealthyPodEvictionPolicy).To(HaveValue(Equal(policyv1.AlwaysAllow)))
			g.Expect(pdb.OwnerReferences).To(ContainElement(HaveField("Name", spodv1alpha1.Name)))
		}).WithTimeout(timeout).Should(Succeed())

		dep := &appsv1.Deployment{}
		Expect(env.Client.Get(ctx, types.NamespacedName{Namespace: cfg.Namespace, Name: spod.WebhookDeploymentName}, dep)).To(Succeed())
		anti := dep.Spec.Template.Spec.Affinity.PodAntiAffinity
		// Preferred only: a single-node cluster still runs both replicas.
		Expect(anti.RequiredDuringSchedulingIgnoredDuringExecution).To(BeEmpty())
		Expect(anti.PreferredDuringSchedulingIgnoredDuringExecution).To(ContainElement(
			HaveField("PodAffinityTerm", And(
				HaveField("TopologyKey", corev1.LabelHostname),
				HaveField("LabelSelector.MatchLabels", spod.WebhookLabels())))))
	})
})
