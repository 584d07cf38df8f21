package localnode

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/securityprofiles/operator/test/localcluster"
	"github.com/securityprofiles/operator/test/require"
)

// denyMkdir fails mkdir and mkdirat with EPERM and allows everything else.
const denyMkdir = `{
  "defaultAction": "SCMP_ACT_ALLOW",
  "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]
}
`

const pods = `apiVersion: v1
kind: Pod
metadata: {name: confined}
spec:
  terminationGracePeriodSeconds: 0
  securityContext:
    seccompProfile: {type: Localhost, localhostProfile: operator/test/deny-mkdir.json}
  containers:
  - name: c
    image: ` + localcluster.BusyboxImage + `
    imagePullPolicy: Never
    command: [sleep, "3600"]
---
apiVersion: v1
kind: Pod
metadata: {name: control}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: c
    image: ` + localcluster.BusyboxImage + `
    imagePullPolicy: Never
    command: [sleep, "3600"]
`

func TestLocalNode(t *testing.T) {
	require.Root(t)
	require.Seccomp(t)
	g := NewWithT(t)
	if _, err := os.Stat(localcluster.Kubectl()); err != nil {
		t.Fatalf("kubectl is missing: run make k8s-binaries: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	before := localcluster.CaptureHost()
	state := t.TempDir()
	c := localcluster.Start(t, ctx, state)
	t.Logf("up in %s (node %s, kubelet root %s)", c.UpTime.Round(100*time.Millisecond), c.NodeName, c.KubeletRoot)

	profileDir := filepath.Join(c.KubeletRoot, "seccomp", "operator", "test")
	g.Expect(os.MkdirAll(profileDir, 0o755)).To(Succeed())
	g.Expect(os.WriteFile(filepath.Join(profileDir, "deny-mkdir.json"), []byte(denyMkdir), 0o644)).To(Succeed())

	kubectl := func(stdin string, args ...string) (string, error) { return c.Kubectl(ctx, stdin, args...) }
	succeeds := func(g Gomega, args ...string) {
		_, err := kubectl("", args...)
		g.ExpectWithOffset(1, err).NotTo(HaveOccurred())
	}
	start := time.Now()
	_, err := kubectl(pods, "apply", "-f", "-")
	g.Expect(err).NotTo(HaveOccurred())
	succeeds(g, "wait", "--for=condition=Ready", "pod/confined", "pod/control", "--timeout=60s")
	t.Logf("pods Running %s after apply", time.Since(start).Round(100*time.Millisecond))

	t.Run("Localhost profile confines the pod", func(t *testing.T) {
		g := NewWithT(t)
		out, err := kubectl("", "exec", "confined", "--", "mkdir", "/tmp/denied")
		g.Expect(err).To(HaveOccurred())
		g.Expect(out).To(ContainSubstring("Operation not permitted"))
		g.Expect(kubectl("", "exec", "confined", "--", "grep", "^Seccomp:", "/proc/self/status")).To(MatchRegexp(`Seccomp:\s+2`))
	})
	t.Run("control pod can mkdir", func(t *testing.T) {
		g := NewWithT(t)
		succeeds(g, "exec", "control", "--", "mkdir", "/tmp/allowed")
	})
	t.Run("pods reach the API server through the kubernetes Service", func(t *testing.T) {
		g := NewWithT(t)
		// busybox's own TLS cannot handshake with Go's TLS servers, so speak
		// plain HTTP to the ClusterIP (DNATed by kube-proxy): only the API
		// server's Go HTTPS listener answers with this message.
		g.Expect(kubectl("", "exec", "control", "--", "sh", "-c",
			`printf 'GET /version HTTP/1.0\r\n\r\n' | nc -w 5 "$KUBERNETES_SERVICE_HOST" "$KUBERNETES_SERVICE_PORT"`)).
			To(ContainSubstring("Client sent an HTTP request to an HTTPS server"))
		ip, err := kubectl("", "get", "service", "kubernetes", "-o", "jsonpath={.spec.clusterIP}")
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(ip).To(Equal("10.77.1.1"))
		_, err = kubectl("", "exec", "control", "--", "sh", "-c", `nc -w 2 10.77.1.200 443 </dev/null`)
		g.Expect(err).To(HaveOccurred())
	})

	start = time.Now()
	g.Expect(c.Down(ctx)).To(Succeed())
	t.Logf("down in %s", time.Since(start).Round(100*time.Millisecond))
	g.Expect(localcluster.Leftovers(state, before)).To(BeEmpty())
	g.Expect(c.Down(ctx)).To(Succeed(), "down twice")
	g.Expect(localcluster.Leftovers(state, before)).To(BeEmpty())
}
