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
		fmt.Sprintf(`jsonpath={range .items[?(@.profileName=="%s")]}{.profileKind}={.reason}{"\n"}{end}`, profile))
	for _, line := range strings.Split(out, "\n") {
		if r, ok := strings.CutPrefix(line, kind+"="); ok {
			return r
		}
	}
	return ""
}

// lsmSpecs run inside the ordered suite, before undeploy. This machine
// kind's kernel has neither SELinux nor AppArmor enabled. What can be
// proven on the real node: the manual's apparmorenabled patch rolls out,
// the node says why it loads nothing, nothing crashes, and what the
// manager checks before any node is asked works (the AppArmor parser in
// the manager's image, the SELinux translation and usage). enableSelinux
// cannot roll out here: selinuxd needs the host's /sys/fs/selinux, which
// a kernel without SELinux does not have (see README).
func lsmSpecs() {
	It("rolls out the manual's apparmorenabled patch, reports a node without AppArmor cleanly, and checks SELinux and AppArmor profiles in the manager", func() {
		patchSpod(`{"spec":{"apparmorenabled":"true"}}`, `{"spec":{"apparmorenabled":null}}`)
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
		// The SELinux profile is translated and waits for nodes with
		// SELinux support switched on.
		Eventually(func() string {
			out, _ := kubectl("-n", ns, "get", "selinuxprofile", "nginx-secure", "-o", "jsonpath={.status.status}/{.status.usage}")
			return out
		}, 60*time.Second, time.Second).Should(Equal("Pending/nginx-secure_" + ns + ".process"))

		// Nothing crashed on the way.
		Expect(mustKubectl("-n", operatorNamespace, "get", "pod", pod, "-o",
			"jsonpath={.status.containerStatuses[*].restartCount}")).To(MatchRegexp(`^0( 0)*$`))
		Expect(mustKubectl("-n", operatorNamespace, "get", "spod", "spod", "-o", "jsonpath={.status.state}")).To(Equal("RUNNING"))
	})
}
