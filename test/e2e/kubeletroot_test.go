package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// kubeletRootSpecs run inside the ordered suite. A node labelled
// kubelet.kubernetes.io/directory-location uses another kubelet root: the
// manager moves its daemon to a DaemonSet that mounts that root's seccomp
// directory, and the profiles land there. The directory is made for the
// test (the kubelet itself keeps its root) and removed afterwards.
func kubeletRootSpecs() {
	It("moves a node's daemon to the kubelet root its directory-location label names, and back", func() {
		const label = "kubelet.kubernetes.io/directory-location"
		// Label values turn dashes into slashes: the path has none.
		const location, root = "var-lib-spoe2e-kubelet", "/var/lib/spoe2e/kubelet"
		node := strings.TrimSpace(mustKubectl("get", "nodes", "-o", "jsonpath={.items[0].metadata.name}"))
		rootDaemonSet := func() string {
			out, _ := kubectl("-n", operatorNamespace, "get", "daemonsets", "-l", "spo.x-k8s.io/kubelet-root",
				"-o", `jsonpath={range .items[*]}{.metadata.name}/{.status.numberAvailable}{"\n"}{end}`)
			return strings.TrimSpace(out)
		}
		mustKubectl("label", "node", node, label+"="+location)
		DeferCleanup(func() {
			mustKubectl("label", "node", node, label+"-")
			Eventually(rootDaemonSet, 120*time.Second, time.Second).Should(BeEmpty())
			mustKubectl("-n", operatorNamespace, "rollout", "status", "daemonset/spod", "--timeout=180s")
			Eventually(func() string {
				out, _ := kubectl("-n", operatorNamespace, "get", "spod", "spod", "-o", "jsonpath={.status.state}")
				return out
			}, 120*time.Second, time.Second).Should(Equal("RUNNING"))
			Expect(os.RemoveAll("/var/lib/spoe2e")).To(Succeed())
		})

		Eventually(rootDaemonSet, 180*time.Second, time.Second).Should(MatchRegexp(`^spod-[0-9a-f]{10}/1$`))
		// spod's own DaemonSet now schedules nothing: the node is the root's.
		Eventually(func() string {
			out, _ := kubectl("-n", operatorNamespace, "get", "daemonset", "spod", "-o", "jsonpath={.status.desiredNumberScheduled}")
			return out
		}, 120*time.Second, time.Second).Should(Equal("0"))
		Eventually(func() string {
			out, _ := kubectl("-n", operatorNamespace, "get", "spod", "spod", "-o", "jsonpath={.status.state}")
			return out
		}, 120*time.Second, time.Second).Should(Equal("RUNNING"))
		// run-local's example profile is where a kubelet with that root
		// looks for it.
		Eventually(func() error {
			_, err := os.Stat(filepath.Join(root, "seccomp", "operator", "my-namespace", "profile1.json"))
			return err
		}, 60*time.Second, time.Second).Should(Succeed())
		Expect(mustKubectl("-n", "my-namespace", "get", "sp", "profile1", "-o", "jsonpath={.status.status}")).To(Equal("Installed"))
	})
}
