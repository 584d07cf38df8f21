package e2e

import (
	"bufio"
	"io"
	"os/exec"
	"regexp"
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/securityprofiles/operator/test/envtest"
)

// forwardingFrom is kubectl port-forward's line naming the local end, e.g.
// "Forwarding from 127.0.0.1:41234 -> 6060".
var forwardingFrom = regexp.MustCompile(`Forwarding from (127\.0\.0\.1:\d+) ->`)

// portForward forwards a free local port to port of a pod in the operator
// namespace and returns the local address; the forward stops when the
// spec ends. kubectl port-forward connects inside the pod's network
// namespace, so it reaches listeners bound to the pod's loopback.
func portForward(pod string, port int) string {
	GinkgoHelper()
	cmd := exec.Command(envtest.Kubectl(), "--kubeconfig", kubeconfig, "-n", operatorNamespace,
		"port-forward", "pod/"+pod, "--address=127.0.0.1", ":"+strconv.Itoa(port))
	out, err := cmd.StdoutPipe()
	Expect(err).NotTo(HaveOccurred())
	cmd.Stderr = GinkgoWriter
	Expect(cmd.Start()).To(Succeed())
	DeferCleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})

	addr := make(chan string, 1)
	go func() {
		defer GinkgoRecover()
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := forwardingFrom.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
				break
			}
		}
		// Keep reading, so kubectl never blocks on a full pipe.
		_, _ = io.Copy(io.Discard, out)
	}()
	var local string
	Eventually(addr, 30*time.Second).Should(Receive(&local), "kubectl port-forward to %s:%d did not start", pod, port)
	return local
}
