package e2e

import (
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// The manual's profiles: nginx-secure ("Create a SELinux Profile") and
// test-profile ("Create an AppArmor profile").
const (
	nginxSecure = `apiVersion: security-profiles-operator.x-k8s.io/v1alpha2
kind: SelinuxProfile
metadata:
  name: nginx-secure
  namespace: %s
spec:
  allow:
    "@self":
      tcp_socket:
        - listen
    http_cache_port_t:
      tcp_socket:
        - name_bind
    node_t:
      tcp_socket:
        - node_bind
  inherit:
    - kind: System
      name: container
`
	appArmorTestProfile = `apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
kind: AppArmorProfile
metadata:
  name: %s
  namespace: %s
spec:
  policy: |
    #include <tunables/global>

    profile %s flags=(attach_disconnected) {
      #include <abstractions/base>

      file,

      # Deny all file writes.
      deny /** w,
    }
`
)

// nodeStatusReason is the reason on the (single) node's status of a
// profile, or "" while there is none.
func nodeStatusReason(namespace, kind, profile string) string {
	out, _ := kubectl("-n", namespace, "get", "spns", "-o",
		fmt.Sprintf(`jsonpath={range .items[*].profiles[?(@.name=="%s")]}{.kind}={.reason}{"\n"}{end}`, profile))
	for _, line := range strings.Split(out, "\n") {
		if r, ok := strings.CutPrefix(line, kind+"="); ok {
			return r
		}
	}
	return ""
}

// lsmSpecs run inside the ordered suite, before undeploy. This machine
// kind's kernel has neither SELinux nor AppArmor enabled. What can be
// proven on the real node: the manual's apparmorenabled patch and
// enableSelinux roll out, the daemon's probe gets the node labelled as
// not running SELinux so selinuxd (which needs /sys/fs/selinux) is
// scheduled nowhere, the node says why it loads nothing, nothing crashes,
// and what the manager checks before any node is asked works (the
// AppArmor parser in the manager's image, the SELinux translation and
// usage).
func lsmSpecs() {
	It("rolls out apparmorenabled and enableSelinux, reports a node without AppArmor or SELinux cleanly, and checks both kinds in the manager", func() {
		const off = `{"spec":{"apparmorenabled":null,"enableSelinux":null}}`
		patchSpod(`{"spec":{"apparmorenabled":"true","enableSelinux":true}}`, off)
		Eventually(func() string {
			out, _ := kubectl("-n", operatorNamespace, "get", "spod", "spod", "-o", "jsonpath={.status.state}")
			return out
		}, 120*time.Second, time.Second).Should(Equal("RUNNING"))
		pod, _ := daemonPod()

		ns := newNamespace("lsm")
		apply(fmt.Sprintf(nginxSecure, ns))
		apply(fmt.Sprintf(appArmorTestProfile, "test-profile", ns, "test-profile"))
		apply(fmt.Sprintf(appArmorTestProfile, "renamed", ns, "other-name"))

		// run-local applied the manual's test-profile (examples/) in
		// default: the manager's parser accepted it, and the node says why
		// it loads nothing.
		Eventually(func() string {
			out, _ := kubectl("-n", "default", "get", "apparmorprofile", "test-profile", "-o",
				`jsonpath={.status.conditions[?(@.type=="PolicyValid")].status}`)
			return out
		}, 60*time.Second, time.Second).Should(Equal("True"))
		Eventually(func() string { return nodeStatusReason("default", "AppArmorProfile", "test-profile") },
			60*time.Second, time.Second).Should(Equal("AppArmorNotSupportedOnNode"))
		// AppArmor names are global on a node: the same name in another
		// namespace, created later, is refused.
		Eventually(func() string {
			out, _ := kubectl("-n", ns, "get", "apparmorprofile", "test-profile", "-o",
				`jsonpath={.status.status}/{.status.conditions[?(@.type=="PolicyValid")].reason}`)
			return out
		}, 60*time.Second, time.Second).Should(Equal("Error/NameConflict"))
		// A name that differs from the object's is refused before any node.
		Eventually(func() string {
			out, _ := kubectl("-n", ns, "get", "apparmorprofile", "renamed", "-o",
				`jsonpath={.status.status}/{.status.conditions[?(@.type=="PolicyValid")].reason}`)
			return out
		}, 60*time.Second, time.Second).Should(Equal("Error/NameMismatch"))
		// The daemon's probe found no SELinux in this kernel: the manager
		// labelled the node, selinuxd is scheduled nowhere, and the profile
		// is translated while the node says why it installs nothing.
		node := mustKubectl("get", "nodes", "-o", "jsonpath={.items[0].metadata.name}")
		Eventually(func() string {
			out, _ := kubectl("get", "node", node, "-o", `jsonpath={.metadata.labels.security-profiles-operator\.x-k8s\.io/selinux}`)
			return out
		}, 60*time.Second, time.Second).Should(Equal("unsupported"))
		Eventually(func() string {
			out, _ := kubectl("get", "events", "-A", "--field-selector", "reason=SelinuxUnsupported,involvedObject.name="+node,
				"-o", "jsonpath={.items[*].reportingComponent}")
			return out
		}, 30*time.Second, time.Second).Should(ContainSubstring("selinuxnode-controller"))
		Eventually(func() string {
			out, _ := kubectl("-n", operatorNamespace, "get", "daemonset", "spod-selinuxd", "-o",
				"jsonpath={.status.observedGeneration}/{.status.desiredNumberScheduled}")
			return out
		}, 60*time.Second, time.Second).Should(Equal("1/0"))
		Eventually(func() string {
			out, _ := kubectl("-n", ns, "get", "selinuxprofile", "nginx-secure", "-o", "jsonpath={.status.usage}")
			return out
		}, 60*time.Second, time.Second).Should(Equal("nginx-secure_" + ns + ".process"))
		Eventually(func() string { return nodeStatusReason(ns, "SelinuxProfile", "nginx-secure") },
			60*time.Second, time.Second).Should(Equal("SelinuxNotSupportedOnNode"))

		// Nothing crashed on the way.
		Expect(mustKubectl("-n", operatorNamespace, "get", "pod", pod, "-o",
			"jsonpath={.status.containerStatuses[*].restartCount}")).To(MatchRegexp(`^0( 0)*$`))
		Expect(mustKubectl("-n", operatorNamespace, "get", "spod", "spod", "-o", "jsonpath={.status.state}")).To(Equal("RUNNING"))

		// Switched off, selinuxd's DaemonSet goes; the node keeps its label
		// (a fact about its kernel).
		mustKubectl("-n", operatorNamespace, "patch", "spod", "spod", "--type=merge", "-p", off)
		Eventually(func() string {
			out, _ := kubectl("-n", operatorNamespace, "get", "daemonset", "spod-selinuxd")
			return strings.TrimSpace(out)
		}, 60*time.Second, time.Second).Should(Equal(`Error from server (NotFound): daemonsets.apps "spod-selinuxd" not found`))
	})
}
