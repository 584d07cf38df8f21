package spod

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func role(name, uid string, labels map[string]string) metav1.PartialObjectMetadata {
	return metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID(uid), Labels: labels}}
}

func olmLabels(csv, namespace string) map[string]string {
	return map[string]string{"olm.owner": csv, "olm.owner.kind": "ClusterServiceVersion", "olm.owner.namespace": namespace}
}

// TestWebhookOwner: the owner is a ClusterRole that every uninstall path
// deletes, read with its live UID (a wrong UID makes the garbage collector
// delete the webhook configuration at once).
func TestWebhookOwner(t *testing.T) {
	other := role("cluster-admin", "u0", nil)
	for _, tc := range []struct {
		name    string
		roles   []metav1.PartialObjectMetadata
		wantUID string
	}{
		{"deploy/operator.yaml and Helm", []metav1.PartialObjectMetadata{other, role(ManagerClusterRole, "u1", nil)}, "u1"},
		{"namespaced install: the role that grants the webhook configuration writes",
			[]metav1.PartialObjectMetadata{role(ManagerClusterRole, "u1", nil), role(ManagerClusterScopeRole, "u2", nil)}, "u2"},
		{"OLM: a clusterPermissions role of this operator's CSV in this namespace, the first by name",
			[]metav1.PartialObjectMetadata{
				other,
				role("security-profiles-operator.v0.1.0-b", "u4", olmLabels("security-profiles-operator.v0.1.0", "spo")),
				role("security-profiles-operator.v0.1.0-a", "u3", olmLabels("security-profiles-operator.v0.1.0", "spo")),
			}, "u3"},
		{"OLM: another operator's CSV or another namespace's does not count",
			[]metav1.PartialObjectMetadata{
				role("x", "u5", olmLabels("other-operator.v1.0.0", "spo")),
				role("y", "u6", olmLabels("security-profiles-operator.v0.1.0", "elsewhere")),
				role("z", "u7", map[string]string{"olm.owner": "security-profiles-operator.v0.1.0"}),
			}, ""},
		{"nothing installed the roles (a bare API server)", []metav1.PartialObjectMetadata{other}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := WebhookOwner(tc.roles, "spo")
			if tc.wantUID == "" {
				if got != nil {
					t.Fatalf("owner %+v, want none", got)
				}
				return
			}
			if got == nil || string(got.UID) != tc.wantUID {
				t.Fatalf("owner %+v, want UID %s", got, tc.wantUID)
			}
			if got.APIVersion != "rbac.authorization.k8s.io/v1" || got.Kind != "ClusterRole" {
				t.Errorf("owner %+v is not a ClusterRole", got)
			}
			// blockOwnerDeletion would need update on clusterroles/finalizers;
			// controller would claim the role manages the configuration.
			if got.BlockOwnerDeletion != nil && *got.BlockOwnerDeletion || got.Controller != nil && *got.Controller {
				t.Errorf("owner %+v blocks deletion or claims control", got)
			}
		})
	}
}
