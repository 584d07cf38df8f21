package install

import (
	"slices"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/securityprofiles/operator/controllers/spod"
)

// grantsWebhookWrites reports whether the role lets its holder create and
// patch mutatingwebhookconfigurations.
func grantsWebhookWrites(role *unstructured.Unstructured) bool {
	// create cannot be limited to a name, patch is (resourceNames): the
	// two come in different rules.
	var create, patch bool
	for _, r := range rulesOf(role) {
		if slices.Contains(r.apiGroups, "admissionregistration.k8s.io") &&
			slices.Contains(r.resources, "mutatingwebhookconfigurations") {
			create = create || slices.Contains(r.verbs, "create")
			patch = patch || slices.Contains(r.verbs, "patch")
		}
	}
	return create && patch
}

// The manager makes spo-mutating-webhook-configuration a dependent of a
// ClusterRole (spod.WebhookOwner), so the garbage collector deletes it when
// an uninstall deletes that role. These specs check that every install
// path ships the role the manager will pick, so deleting what was
// installed deletes the owner. The collector itself does not run here.
var _ = Describe("The webhook configuration's owner", func() {
	It("is part of every kustomize and Helm rendering, and grants the manager the webhook configuration writes", func() {
		for name, objs := range installs() {
			if name == "OLM bundle" {
				continue
			}
			var roles []metav1.PartialObjectMetadata
			byName := map[string]*unstructured.Unstructured{}
			for _, o := range objs {
				if o.GetKind() == "ClusterRole" {
					roles = append(roles, metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: o.GetName(), Labels: o.GetLabels()}})
					byName[o.GetName()] = o
				}
			}
			owner := spod.WebhookOwner(roles, operatorNamespace)
			Expect(owner).NotTo(BeNil(), "%s installs no ClusterRole the manager can name as the webhook configuration's owner", name)
			Expect(grantsWebhookWrites(byName[owner.Name])).To(BeTrue(),
				"%s: owner %s does not grant the webhook configuration writes; the manager could recreate it after the owner is gone", name, owner.Name)
			bound := false
			for _, o := range objs {
				ref, _, _ := unstructured.NestedString(o.Object, "roleRef", "name")
				bound = bound || o.GetKind() == "ClusterRoleBinding" && ref == owner.Name
			}
			Expect(bound).To(BeTrue(), "%s: owner %s is not bound cluster-wide", name, owner.Name)
		}
	})

	It("is, for the OLM bundle, a role OLM generates from the manager's clusterPermissions and deletes with the CSV", func() {
		c := csv()
		perms, _, _ := unstructured.NestedSlice(c.Object, "spec", "install", "spec", "clusterPermissions")
		var manager *unstructured.Unstructured
		for _, p := range perms {
			m := p.(map[string]any)
			if m["serviceAccountName"] == "security-profiles-operator" {
				manager = &unstructured.Unstructured{Object: map[string]any{"rules": m["rules"]}}
			}
		}
		Expect(manager).NotTo(BeNil(), "the CSV has no clusterPermissions for the manager")
		Expect(grantsWebhookWrites(manager)).To(BeTrue())
		// What OLM creates from clusterPermissions: a generated name and the
		// CSV's owner labels, which it deletes by when the CSV goes.
		generated := metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{
			Name: c.GetName() + "-7fd8c9b6", Labels: map[string]string{
				"olm.owner": c.GetName(), "olm.owner.kind": "ClusterServiceVersion", "olm.owner.namespace": operatorNamespace,
			},
		}}
		Expect(spod.WebhookOwner([]metav1.PartialObjectMetadata{generated}, operatorNamespace)).
			To(HaveField("Name", generated.Name), "the manager does not recognise CSV %s's roles", c.GetName())
		// The bundle's separate ClusterRoles keep only olm.owner and outlive
		// the CSV: the manager must not pick them.
		for _, o := range bundleRoles() {
			if o.GetLabels() == nil {
				continue
			}
			lone := metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: o.GetName(), Labels: map[string]string{"olm.owner": c.GetName()}}}
			Expect(spod.WebhookOwner([]metav1.PartialObjectMetadata{lone}, operatorNamespace)).To(BeNil(), o.GetName())
		}
	})
})
