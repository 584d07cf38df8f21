package bundle

import (
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

const overlay = `
apiVersion: v1
kind: ServiceAccount
metadata: {name: op, namespace: ns}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: op-role}
rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: op-role}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: op-role}
subjects: [{kind: ServiceAccount, name: op, namespace: ns}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: op-secrets, namespace: ns}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: op-secrets, namespace: ns}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: op-secrets}
subjects: [{kind: ServiceAccount, name: op, namespace: ns}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: reader}
rules: [{nonResourceURLs: [/metrics], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: reader}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reader}
subjects: [{kind: ServiceAccount, name: default, namespace: ns}]
`

func parse(t *testing.T, stream string) []*unstructured.Unstructured {
	t.Helper()
	var objs []*unstructured.Unstructured
	for _, doc := range splitDocs(stream) {
		o := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &o.Object); err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o)
	}
	return objs
}

func splitDocs(s string) []string {
	var docs []string
	for _, d := range strings.Split(s, "\n---\n") {
		if strings.TrimSpace(d) != "" {
			docs = append(docs, d)
		}
	}
	return docs
}

func TestPermissions(t *testing.T) {
	g := NewWithT(t)
	objs := parse(t, overlay)
	cluster, namespaced, err := permissions(objs)
	g.Expect(err).NotTo(HaveOccurred())
	// The reader role is bound to an account the overlay does not create,
	// so it is no permission of the CSV but an extra manifest.
	g.Expect(cluster).To(ConsistOf(HaveKeyWithValue("serviceAccountName", "op")))
	g.Expect(cluster[0]).To(HaveKeyWithValue("rules", ConsistOf(HaveKeyWithValue("resources", []any{"pods"}))))
	g.Expect(namespaced).To(ConsistOf(HaveKeyWithValue("serviceAccountName", "op")))
	g.Expect(namespaced[0]).To(HaveKeyWithValue("rules", ConsistOf(HaveKeyWithValue("resources", []any{"secrets"}))))
	extra := extraManifests(objs)
	g.Expect(extra).To(HaveLen(1))
	g.Expect(extra[0].GetName()).To(Equal("reader"))
}

func TestPermissionsMissingRole(t *testing.T) {
	g := NewWithT(t)
	objs := parse(t, overlay)
	var without []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() != "Role" {
			without = append(without, o)
		}
	}
	_, _, err := permissions(without)
	g.Expect(err).To(MatchError(ContainSubstring("op-secrets")))
}

func TestDisplayNameAndDescription(t *testing.T) {
	g := NewWithT(t)
	for kind, want := range map[string]string{
		"SeccompProfile":                 "Seccomp Profile",
		"AppArmorProfile":                "AppArmor Profile",
		"RawSelinuxProfile":              "Raw SELinux Profile",
		"SecurityProfilesOperatorDaemon": "Security Profiles Operator Daemon",
	} {
		g.Expect(displayName(kind)).To(Equal(want))
	}
	g.Expect(firstSentence("A is\n  one thing. And more.", "A")).To(Equal("A is one thing."))
	g.Expect(firstSentence("", "SeccompProfile")).To(Equal("Seccomp Profile of the Security Profiles Operator."))
}
