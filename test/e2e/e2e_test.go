package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// busyboxSyscalls are what `busybox sh -c 'echo …; sleep …; cat …'` calls
// after runc execs it, recorded with `spoc record -n` on this machine. The
// runc base profile adds what runc needs up to that exec.
var busyboxSyscalls = []string{
	"arch_prctl", "brk", "clock_nanosleep", "clone", "close", "dup2", "execve", "exit_group",
	"fcntl", "getdents64", "getpid", "getppid", "getrandom", "getuid", "ioctl", "mmap",
	"mprotect", "munmap", "newfstatat", "openat", "prctl", "prlimit64", "read", "readlink",
	"rseq", "rt_sigaction", "rt_sigreturn", "sendfile", "set_robust_list", "set_tid_address",
	"uname", "wait4", "write",
}

func podManifest(namespace, name, localhostProfile, script string) string {
	security := ""
	if localhostProfile != "" {
		security = fmt.Sprintf(`
  securityContext:
    seccompProfile:
      type: Localhost
      localhostProfile: %s`, localhostProfile)
	}
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata:
  name: %s
  namespace: %s
spec:
  terminationGracePeriodSeconds: 1%s
  containers:
  - name: main
    image: localhost/busybox:local
    imagePullPolicy: IfNotPresent
    command: ["/bin/sh", "-c", %q]
`, name, namespace, security, script)
}

func waitInstalled(namespace, name string) {
	GinkgoHelper()
	mustKubectl("-n", namespace, "wait", "sp/"+name, "--for=jsonpath={.status.status}=Installed", "--timeout=90s")
}

func waitReady(namespace, pod string) {
	GinkgoHelper()
	_, err := kubectl("-n", namespace, "wait", "pod/"+pod, "--for=condition=Ready", "--timeout=120s")
	if err != nil {
		describe, _ := kubectl("-n", namespace, "describe", "pod", pod)
		Fail("pod " + pod + " is not ready:\n" + describe)
	}
}

// patchSpod merges a patch into spod and restores the fields afterwards.
func patchSpod(patch, revert string) {
	GinkgoHelper()
	mustKubectl("-n", operatorNamespace, "patch", "spod", "spod", "--type=merge", "-p", patch)
	DeferCleanup(func() {
		mustKubectl("-n", operatorNamespace, "patch", "spod", "spod", "--type=merge", "-p", revert)
		mustKubectl("-n", operatorNamespace, "rollout", "status", "daemonset/spod", "--timeout=180s")
	})
	// The DaemonSet must have picked up the change before its rollout
	// status means anything.
	Eventually(func(g Gomega) {
		out := kubectlG(g, "-n", operatorNamespace, "get", "daemonset", "spod",
			"-o", "jsonpath={.metadata.generation}/{.status.observedGeneration}/{.status.updatedNumberScheduled}/{.status.numberAvailable}")
		f := strings.Split(out, "/")
		g.Expect(f).To(HaveLen(4), out)
		g.Expect(f[1]).To(Equal(f[0]), "observedGeneration catches up with generation: %s", out)
		g.Expect(f[2:]).To(Equal([]string{"1", "1"}), "one pod updated and available: %s", out)
	}, 60*time.Second, time.Second).Should(Succeed())
	mustKubectl("-n", operatorNamespace, "rollout", "status", "daemonset/spod", "--timeout=180s")
}

// daemonPod is the name and IP of the (single) spod pod that is not
// being deleted.
func daemonPod() (string, string) {
	GinkgoHelper()
	var name, ip string
	Eventually(func(g Gomega) {
		out, err := kubectl("-n", operatorNamespace, "get", "pods", "-l", "name=spod", "-o",
			`jsonpath={range .items[?(@.status.phase=="Running")]}{.metadata.name} {.status.podIP} {.metadata.deletionTimestamp}{"\n"}{end}`)
		g.Expect(err).NotTo(HaveOccurred(), out)
		var live [][]string
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			if f := strings.Fields(line); len(f) == 2 {
				live = append(live, f)
			}
		}
		g.Expect(live).To(HaveLen(1), out)
		name, ip = live[0][0], live[0][1]
	}, 120*time.Second, time.Second).Should(Succeed())
	return name, ip
}

// metricsToken is a token of a service account bound to
// spo-metrics-client, for the spec that asks.
func metricsToken() string {
	GinkgoHelper()
	ns := newNamespace("scrape")
	mustKubectl("-n", ns, "create", "serviceaccount", "scraper")
	binding := "spo-metrics-client-" + ns
	mustKubectl("create", "clusterrolebinding", binding, "--clusterrole=spo-metrics-client", "--serviceaccount="+ns+":scraper")
	DeferCleanup(func() { _, _ = kubectl("delete", "clusterrolebinding", binding) })
	return strings.TrimSpace(mustKubectl("-n", ns, "create", "token", "scraper"))
}

// metricsScraper returns a function that reads /metrics-spod through the
// metrics Service with a token, verifying the server against the
// operator's CA.
func metricsScraper() func(token string) (int, string, error) {
	GinkgoHelper()
	ip := mustKubectl("-n", operatorNamespace, "get", "service", "metrics", "-o", "jsonpath={.spec.clusterIP}")
	var client *http.Client
	Eventually(func(g Gomega) {
		ca := mustKubectl("-n", operatorNamespace, "get", "secret", "metrics-server-cert", "-o", `jsonpath={.data.ca\.crt}`)
		pem, err := base64.StdEncoding.DecodeString(ca)
		g.Expect(err).NotTo(HaveOccurred())
		pool := x509.NewCertPool()
		g.Expect(pool.AppendCertsFromPEM(pem)).To(BeTrue())
		client = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{
			RootCAs: pool, ServerName: "metrics." + operatorNamespace + ".svc",
		}}}
	}, 60*time.Second, time.Second).Should(Succeed())
	return func(token string) (int, string, error) {
		req, _ := http.NewRequest(http.MethodGet, "https://"+ip+"/metrics-spod", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), nil
	}
}

var _ = Describe("the operator on a real node", Ordered, func() {
	It("confines a pod with an installed profile, and keeps the profile while the pod runs", func() {
		ns := newNamespace("deny-mkdir")
		apply(fmt.Sprintf(`apiVersion: security-profiles-operator.x-k8s.io/v1beta1
kind: SeccompProfile
metadata:
  name: deny-mkdir
  namespace: %s
spec:
  defaultAction: SCMP_ACT_ALLOW
  syscalls:
  - action: SCMP_ACT_ERRNO
    names: [mkdir, mkdirat]
`, ns))
		waitInstalled(ns, "deny-mkdir")
		// The README's "where is profile X not installed, and why" commands, as written there.
		node := strings.TrimSpace(mustKubectl("get", "nodes", "-o", "jsonpath={.items[0].metadata.name}"))
		Expect(mustKubectl("-n", ns, "get", "sp", "deny-mkdir", "-o", `jsonpath={.status.nodes.installed}/{.status.nodes.total} installed{"\n"}{range .status.nodes.notInstalled[*]}{.node}{"\t"}{.status}{"\t"}{.reason}{"\t"}{.message}{"\n"}{end}`)).
			To(Equal("1/1 installed\n"))
		Expect(mustKubectl("-n", ns, "get", "spns", "-o", `custom-columns=NODE:.nodeName,STATE:.profiles[?(@.name=="deny-mkdir")].status,REASON:.profiles[?(@.name=="deny-mkdir")].reason`)).
			To(MatchRegexp(`^NODE\s+STATE\s+REASON\n` + node + `\s+<none>\s+<none>\n$`))
		Expect(mustKubectl("-n", ns, "get", "spns", node, "-o", "jsonpath={.installed}")).
			To(MatchRegexp(`^\["SeccompProfile/deny-mkdir/[0-9a-f-]{36}"\]$`))
		Expect(mustKubectl("-n", ns, "get", "spns")).To(MatchRegexp(`^NAME\s+NODE\s+PROFILES\s+INSTALLED\s+AGE\n` + node + `\s+` + node + `\s+1\s+1\s+\S+\n$`))
		profile := mustKubectl("-n", ns, "get", "sp", "deny-mkdir", "-o", `jsonpath={.status.seccompProfile\.localhostProfile}`)
		Expect(profile).To(Equal("operator/" + ns + "/deny-mkdir.json"))

		apply(podManifest(ns, "confined", profile, "sleep 3600"))
		apply(podManifest(ns, "control", "", "sleep 3600"))
		waitReady(ns, "confined")
		waitReady(ns, "control")

		out, err := kubectl("-n", ns, "exec", "confined", "--", "mkdir", "/tmp/denied")
		Expect(err).To(HaveOccurred(), out)
		Expect(out).To(ContainSubstring("Operation not permitted"))
		Expect(mustKubectl("-n", ns, "exec", "confined", "--", "cat", "/proc/self/status")).To(MatchRegexp(`Seccomp:\s+2`))
		mustKubectl("-n", ns, "exec", "control", "--", "mkdir", "/tmp/allowed")

		// Deleting the profile waits for the pod that uses it.
		mustKubectl("-n", ns, "delete", "sp", "deny-mkdir", "--wait=false")
		// The profile is still there and marked for deletion: a kubectl
		// error (NotFound prints text too) fails the check.
		Consistently(func(g Gomega) {
			ts := kubectlG(g, "-n", ns, "get", "sp", "deny-mkdir", "-o", "jsonpath={.metadata.deletionTimestamp}")
			_, err := time.Parse(time.RFC3339, ts)
			g.Expect(err).NotTo(HaveOccurred(), "deletionTimestamp %q", ts)
		}, 5*time.Second, time.Second).Should(Succeed())
		mustKubectl("-n", ns, "delete", "pod", "confined", "--wait=true", "--timeout=60s")
		mustKubectl("-n", ns, "wait", "sp/deny-mkdir", "--for=delete", "--timeout=60s")
	})

	It("holds a pod created before its profile at the scheduling gate until the profile is installed, then runs it confined", func() {
		ns := newNamespace("gate")
		mustKubectl("label", "namespace", ns, "spo.x-k8s.io/enable-binding=")
		// One apply, the pod first: without the gate it would reach the
		// kubelet before the profile reaches the node.
		apply(podManifest(ns, "early", "operator/"+ns+"/late.json", "sleep 3600") + "---\n" + fmt.Sprintf(`apiVersion: security-profiles-operator.x-k8s.io/v1beta1
kind: SeccompProfile
metadata:
  name: late
  namespace: %s
spec:
  defaultAction: SCMP_ACT_ALLOW
  syscalls:
  - action: SCMP_ACT_ERRNO
    names: [mkdir, mkdirat]
`, ns))
		waitReady(ns, "early")
		Expect(mustKubectl("-n", ns, "get", "pod", "early", "-o", `jsonpath={.status.conditions[?(@.type=="spo.x-k8s.io/ProfilesInstalled")].status}`)).To(Equal("True"),
			"the manager released the gate the webhook set")
		Expect(mustKubectl("-n", ns, "get", "pod", "early", "-o", "jsonpath={.spec.schedulingGates}")).To(BeEmpty())
		out, err := kubectl("-n", ns, "exec", "early", "--", "mkdir", "/tmp/denied")
		Expect(err).To(HaveOccurred(), out)
		Expect(out).To(ContainSubstring("Operation not permitted"))
		reasons := mustKubectl("-n", ns, "get", "events", "--field-selector", "involvedObject.name=early", "-o", "jsonpath={.items[*].reason}")
		Expect(strings.Fields(reasons)).To(And(ContainElement("ProfilesInstalled"), ContainElement("Started"), Not(ContainElement("Failed"))), reasons)
		Expect(mustKubectl("-n", ns, "get", "events", "--field-selector", "involvedObject.name=early")).NotTo(ContainSubstring("CreateContainerError"))
	})

	It("runs a workload whose profile is its own syscalls on top of the runc base profile", func() {
		ns := newNamespace("base")
		apply(fmt.Sprintf(`apiVersion: security-profiles-operator.x-k8s.io/v1beta1
kind: SeccompProfile
metadata:
  name: busybox
  namespace: %s
spec:
  defaultAction: SCMP_ACT_ERRNO
  baseProfileName: runc-v1.1.4
  syscalls:
  - action: SCMP_ACT_ALLOW
    names: [%s]
`, ns, strings.Join(busyboxSyscalls, ", ")))
		waitInstalled(ns, "busybox")
		apply(podManifest(ns, "workload", "operator/"+ns+"/busybox.json", "echo workload started; sleep 3600"))
		waitReady(ns, "workload")
		Eventually(func(g Gomega) string {
			return kubectlG(g, "-n", ns, "logs", "workload")
		}, 30*time.Second, time.Second).Should(ContainSubstring("workload started"))
		Expect(mustKubectl("-n", ns, "exec", "workload", "--", "cat", "/proc/self/status")).To(MatchRegexp(`Seccomp:\s+2`))
	})

	It("brings spod's verbosity and profiling knobs to the daemon pods", func() {
		patchSpod(`{"spec":{"verbosity":1}}`, `{"spec":{"verbosity":0}}`)
		pod, _ := daemonPod()
		// V(1) detail appears: the daemon re-checks every profile at start.
		Eventually(func(g Gomega) string {
			return kubectlG(g, "-n", operatorNamespace, "logs", pod, "-c", "security-profiles-operator")
		}, 60*time.Second, 2*time.Second).Should(ContainSubstring("Profile file is up to date"))

		patchSpod(`{"spec":{"enableProfiling":true}}`, `{"spec":{"enableProfiling":false}}`)
		pod, ip := daemonPod()
		// Wait for the listener first: kubectl port-forward exits when the
		// pod refuses a forwarded connection.
		Eventually(func(g Gomega) string {
			return kubectlG(g, "-n", operatorNamespace, "logs", pod, "-c", "security-profiles-operator")
		}, 60*time.Second, 2*time.Second).Should(ContainSubstring("Starting profiling server"))
		// pprof listens on the pod's loopback only: reached through
		// kubectl port-forward, as the manual says, never on the pod IP.
		local := portForward(pod, 6060)
		Eventually(func() (int, error) {
			resp, err := http.Get("http://" + local + "/debug/pprof/")
			if err != nil {
				return 0, err
			}
			defer resp.Body.Close()
			return resp.StatusCode, nil
		}, 60*time.Second, time.Second).Should(Equal(http.StatusOK))
		_, err := (&net.Dialer{Timeout: 5 * time.Second}).Dial("tcp", net.JoinHostPort(ip, "6060"))
		Expect(err).To(HaveOccurred(), "pprof is reachable on the pod IP %s", ip)
	})

	It("serves /metrics-spod through the metrics service to a token bound to spo-metrics-client", func() {
		token := metricsToken()
		scrape := metricsScraper()
		// The serving certificate is verified against the operator's CA;
		// the daemon may still be on its start-up certificate for a moment.
		Eventually(func(g Gomega) {
			code, body, err := scrape(token)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(code).To(Equal(http.StatusOK))
			g.Expect(body).To(ContainSubstring("security_profiles_operator_seccomp_profile_total"))
		}, 150*time.Second, 2*time.Second).Should(Succeed())
		code, _, err := scrape("")
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(Equal(http.StatusUnauthorized))
	})

	kubeletRootSpecs()
	recordingSpecs()
	lsmSpecs()

	It("make undeploy removes the operator and everything it made, with no stuck finalizers", func() {
		overlay, err := os.ReadFile(filepath.Join(state, "deploy-overlay"))
		Expect(err).NotTo(HaveOccurred())
		cmd := exec.Command(filepath.Join(root, "hack", "deploy.sh"), "undeploy", strings.TrimSpace(string(overlay)))
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "KUBECONFIG="+kubeconfig, "KUBECTL="+filepath.Join(root, "bin", "k8s", "v1.35.4", "kubectl"))
		out, err := cmd.CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), "undeploy: %s", out)

		Expect(mustKubectl("get", "crds", "-o", "name")).NotTo(ContainSubstring("security-profiles-operator"))
		Expect(mustKubectl("get", "mutatingwebhookconfigurations", "-o", "name")).To(BeEmpty())
		Expect(mustKubectl("get", "clusterroles,clusterrolebindings", "-o", "name")).NotTo(MatchRegexp(`/(spo-|spod)`))
		Expect(mustKubectl("get", "namespaces", "-o", "name")).NotTo(ContainSubstring("namespace/" + operatorNamespace + "\n"))
		gone, err := kubectl("get", "namespace", operatorNamespace)
		Expect(err).To(HaveOccurred(), "the operator namespace is still there")
		Expect(gone).To(MatchRegexp(`\(NotFound\): namespaces "`+operatorNamespace+`" not found`), "gone, not just unreadable")
		// The profiles' files are gone from the node with them; only the
		// daemon's own log-all profile may stay in its storage.
		Eventually(func() []string {
			var left []string
			_ = filepath.WalkDir("/var/lib/security-profiles-operator", func(path string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() && filepath.Base(path) != "spo-log-all.json" {
					left = append(left, path)
				}
				return nil
			})
			return left
		}, 30*time.Second).Should(BeEmpty())
		// Pods in labelled namespaces can still be created: no webhook is
		// left pointing at a removed service.
		ns := newNamespace("after")
		mustKubectl("label", "namespace", ns, "spo.x-k8s.io/enable-binding=true")
		apply(podManifest(ns, "after-undeploy", "", "sleep 3600"))
	})
})
