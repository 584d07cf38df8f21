package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// The recorded workload touches a file; the same workload with one more
// command also makes a directory, a syscall (mkdir) that neither the
// recording nor the runc base profile allows.
const (
	recordedScript = "echo recorded workload; touch /tmp/f; sleep 1"
	extraScript    = recordedScript + "; mkdir /tmp/d"
	// logsScript's processes all live long enough for the log enricher
	// (see the logs recorder spec).
	logsScript = "echo recorded workload; for i in 1 2 3 4 5 6; do sleep 0.5; done"
)

// workloadPod is a run-to-completion busybox pod with one container per
// name, labelled app=<app>.
func workloadPod(namespace, name, app, script string, containers ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `apiVersion: v1
kind: Pod
metadata:
  name: %s
  namespace: %s
  labels: {app: %s}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
`, name, namespace, app)
	for _, c := range containers {
		fmt.Fprintf(&b, `  - name: %s
    image: localhost/busybox:local
    imagePullPolicy: IfNotPresent
    command: ["/bin/sh", "-c", %q]
`, c, script)
	}
	return b.String()
}

func recordingManifest(namespace, name, recorder, merge, app string) string {
	return fmt.Sprintf(`apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
kind: ProfileRecording
metadata:
  name: %s
  namespace: %s
spec:
  kind: SeccompProfile
  recorder: %s
  mergeStrategy: %s
  podSelector:
    matchLabels:
      app: %s
`, name, namespace, recorder, merge, app)
}

// waitSucceeded waits for a run-to-completion pod to finish and returns
// its phase and its containers' logs.
func waitSucceeded(namespace, pod string) string {
	GinkgoHelper()
	Eventually(func() string {
		out, _ := kubectl("-n", namespace, "get", "pod", pod, "-o", "jsonpath={.status.phase}")
		return out
	}, 120*time.Second, time.Second).Should(Or(Equal("Succeeded"), Equal("Failed")))
	phase := mustKubectl("-n", namespace, "get", "pod", pod, "-o", "jsonpath={.status.phase}")
	// A kubectl error must not pass for logs: callers look for text in them.
	return phase + "\n" + mustKubectl("-n", namespace, "logs", pod, "--all-containers")
}

// allowed lists the syscalls a profile allows.
func allowed(namespace, profile string) string {
	GinkgoHelper()
	return mustKubectl("-n", namespace, "get", "sp", profile, "-o", `jsonpath={.spec.syscalls[?(@.action=="SCMP_ACT_ALLOW")].names}`)
}

// recordingSpecs run inside the ordered suite, before undeploy.
func recordingSpecs() {
	It("records a pod with the bpf recorder, and the recorded profile lets it run and blocks one more syscall", func() {
		patchSpod(`{"spec":{"enableBpfRecorder":true}}`, `{"spec":{"enableBpfRecorder":false}}`)
		pod, _ := daemonPod()
		Eventually(func(g Gomega) string {
			return kubectlG(g, "-n", operatorNamespace, "logs", pod, "-c", "bpf-recorder")
		}, 60*time.Second, time.Second).Should(ContainSubstring("BPF recorder loaded and self-tested"))

		ns := newNamespace("bpf-rec")
		mustKubectl("label", "namespace", ns, "spo.x-k8s.io/enable-recording=", "spo.x-k8s.io/enable-binding=")
		apply(recordingManifest(ns, "my-recording", "bpf", "none", "my-app"))
		apply(workloadPod(ns, "my-pod", "my-app", recordedScript, "work"))
		Expect(waitSucceeded(ns, "my-pod")).To(HavePrefix("Succeeded"))
		mustKubectl("-n", ns, "delete", "pod", "my-pod", "--wait=true", "--timeout=60s")
		Eventually(func() error {
			_, err := kubectl("-n", ns, "get", "sp", "my-recording-work")
			return err
		}, 60*time.Second, time.Second).Should(Succeed())
		waitInstalled(ns, "my-recording-work")
		syscalls := allowed(ns, "my-recording-work")
		Expect(syscalls).To(And(ContainSubstring("utimensat"), ContainSubstring("execve")))
		Expect(syscalls).NotTo(ContainSubstring("mkdir"))
		Expect(mustKubectl("-n", ns, "get", "sp", "my-recording-work", "-o", "jsonpath={.spec.baseProfileName}")).To(Equal("runc-v1.1.4"))
		Expect(mustKubectl("-n", ns, "get", "events", "--field-selector", "reason=ProfileRecorded")).To(ContainSubstring("my-recording-work"))

		// Bound back in audit mode first: the workload doing one more
		// syscall is not blocked, and the profile lists that syscall.
		mustKubectl("-n", ns, "delete", "profilerecording", "my-recording")
		patchSpod(`{"spec":{"enableLogEnricher":true}}`, `{"spec":{"enableLogEnricher":false}}`)
		apply(fmt.Sprintf(`apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
kind: ProfileBinding
metadata:
  name: replay
  namespace: %s
spec:
  profileRef: {kind: SeccompProfile, name: my-recording-work}
  image: localhost/busybox:local
  mode: Audit
`, ns))
		apply(workloadPod(ns, "audit-extra", "replay", extraScript, "work"))
		started := time.Now()
		Expect(waitSucceeded(ns, "audit-extra")).To(And(HavePrefix("Succeeded"), ContainSubstring("recorded workload")), "audit mode blocks nothing")
		Expect(mustKubectl("-n", ns, "get", "pod", "audit-extra", "-o", "jsonpath={.spec.containers[0].securityContext.seccompProfile.localhostProfile}")).
			To(Equal("operator/" + ns + "/audit/my-recording-work.json"))
		Eventually(func() string {
			out, _ := kubectl("-n", ns, "get", "sp", "my-recording-work", "-o", `jsonpath={range .status.auditedSyscalls[*]}{.image} {.syscall} {.count}{"\n"}{end}`)
			return out
		}, 30*time.Second, time.Second).Should(MatchRegexp(`(?m)^localhost/busybox:local mkdir(at)? 1$`))
		GinkgoWriter.Printf("audited mkdir listed %s after the audit-mode pod started\n", time.Since(started).Round(time.Second))
		Expect(mustKubectl("-n", ns, "get", "events", "--field-selector", "reason=AuditedSyscall", "-o", "jsonpath={.items[*].message}")).
			To(MatchRegexp(`container work of pod ` + ns + `/audit-extra \(image localhost/busybox:local\) called mkdir(at)? on node `))

		// Switched to enforce: the same workload runs to the end, and
		// the one doing one more syscall gets EPERM for it.
		mustKubectl("-n", ns, "patch", "profilebinding", "replay", "--type=merge", "-p", `{"spec":{"mode":"Enforce"}}`)
		apply(workloadPod(ns, "replay", "replay", recordedScript, "work"))
		out := waitSucceeded(ns, "replay")
		Expect(out).To(And(HavePrefix("Succeeded"), ContainSubstring("recorded workload")))
		Expect(mustKubectl("-n", ns, "get", "pod", "replay", "-o", "jsonpath={.spec.containers[0].securityContext.seccompProfile.localhostProfile}")).
			To(Equal("operator/" + ns + "/my-recording-work.json"))
		apply(workloadPod(ns, "replay-extra", "replay", extraScript, "work"))
		out = waitSucceeded(ns, "replay-extra")
		Expect(out).To(And(HavePrefix("Failed"), ContainSubstring("recorded workload"), ContainSubstring("Operation not permitted")))

		// One annotation turns what audit mode saw into allowed syscalls.
		mustKubectl("-n", ns, "annotate", "sp", "my-recording-work", "spo.x-k8s.io/allow-audited-syscalls=true")
		Eventually(func() string { return allowed(ns, "my-recording-work") }, 30*time.Second, time.Second).Should(ContainSubstring("mkdir"))
		// The list is pruned by the pass after the spec change.
		Eventually(func() string {
			out, _ := kubectl("-n", ns, "get", "sp", "my-recording-work", "-o", "jsonpath={.status.auditedSyscalls}")
			return out
		}, 30*time.Second, time.Second).Should(BeEmpty())
		waitInstalled(ns, "my-recording-work")
		// The node rewrites the file right after the spec change, but the
		// profile's status may still be the previous generation's: a pod
		// started in between gets the old file, so allow a second run.
		attempt := 0
		Eventually(func() string {
			attempt++
			name := fmt.Sprintf("replay-allowed-%d", attempt)
			apply(workloadPod(ns, name, "replay", extraScript, "work"))
			return waitSucceeded(ns, name)
		}, 3*time.Minute, time.Second).Should(HavePrefix("Succeeded"))
		Expect(attempt).To(BeNumerically("<=", 2))
	})

	It("records a two-container pod from the audit log through the log enricher", func() {
		patchSpod(`{"spec":{"enableLogEnricher":true}}`, `{"spec":{"enableLogEnricher":false}}`)
		pod, _ := daemonPod()
		Eventually(func(g Gomega) string {
			return kubectlG(g, "-n", operatorNamespace, "logs", pod, "-c", "log-enricher")
		}, 60*time.Second, time.Second).Should(ContainSubstring("Reading audit records"))

		ns := newNamespace("log-rec")
		mustKubectl("label", "namespace", ns, "spo.x-k8s.io/enable-recording=")
		apply(recordingManifest(ns, "test-recording", "logs", "none", "my-app"))
		// The log enricher finds a process's container through /proc when
		// its first record arrives: a child that exits and is reaped within
		// a millisecond (touch forked by sh) is missed, so this workload's
		// processes all live a while. Its pod is named in log lines once the
		// kubelet reports the container's ID, a second or so after start.
		apply(workloadPod(ns, "my-pod", "my-app", logsScript, "nginx", "redis"))
		Expect(waitSucceeded(ns, "my-pod")).To(HavePrefix("Succeeded"))
		Expect(mustKubectl("-n", ns, "get", "pod", "my-pod", "-o", "jsonpath={.spec.containers[0].securityContext.seccompProfile.localhostProfile}")).
			To(Equal("operator/spo-log-all.json"))
		// The enricher's line for each audit record of the pod.
		Eventually(func(g Gomega) string {
			return kubectlG(g, "-n", operatorNamespace, "logs", pod, "-c", "log-enricher")
		}, 30*time.Second, time.Second).Should(And(ContainSubstring(`"pod":"my-pod"`), ContainSubstring(`"syscallName":"clock_nanosleep"`),
			ContainSubstring(`"container":"redis"`), ContainSubstring(`"type":"seccomp"`)))
		// The enricher's counters, from its container, in the daemon's
		// /metrics-spod behind the metrics Service.
		scrape, token := metricsScraper(), metricsToken()
		Eventually(func(g Gomega) {
			code, body, err := scrape(token)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(code).To(Equal(http.StatusOK))
			g.Expect(body).To(MatchRegexp(`security_profiles_operator_seccomp_profile_audit_total\{container="redis",executable="/bin/busybox",namespace="%s",node="[^"]+",pod="my-pod",syscall="clock_nanosleep"\} \d+`, ns))
		}, 60*time.Second, 2*time.Second).Should(Succeed())
		mustKubectl("-n", ns, "delete", "pod", "my-pod", "--wait=true", "--timeout=60s")
		for _, c := range []string{"nginx", "redis"} {
			Eventually(func() error {
				_, err := kubectl("-n", ns, "get", "sp", "test-recording-"+c)
				return err
			}, 60*time.Second, time.Second).Should(Succeed())
			waitInstalled(ns, "test-recording-"+c)
			// The shell's syscalls, its sleep's, and runc's after it loaded
			// the log-all filter.
			Expect(allowed(ns, "test-recording-"+c)).To(And(ContainSubstring("clock_nanosleep"), ContainSubstring("wait4"), ContainSubstring("capset")))
		}

		// Bound back: the same workload runs to the end under the
		// logs-recorded profile, and one more syscall gets EPERM.
		mustKubectl("-n", ns, "delete", "profilerecording", "test-recording")
		mustKubectl("label", "namespace", ns, "spo.x-k8s.io/enable-binding=")
		apply(fmt.Sprintf(`apiVersion: security-profiles-operator.x-k8s.io/v1alpha1
kind: ProfileBinding
metadata:
  name: replay
  namespace: %s
spec:
  profileRef: {kind: SeccompProfile, name: test-recording-redis}
  image: localhost/busybox:local
`, ns))
		apply(workloadPod(ns, "replay", "replay", logsScript, "redis"))
		Expect(waitSucceeded(ns, "replay")).To(And(HavePrefix("Succeeded"), ContainSubstring("recorded workload")))
		Expect(mustKubectl("-n", ns, "get", "pod", "replay", "-o", "jsonpath={.spec.containers[0].securityContext.seccompProfile.localhostProfile}")).
			To(Equal("operator/" + ns + "/test-recording-redis.json"))
		apply(workloadPod(ns, "replay-extra", "replay", logsScript+"; mkdir /tmp/d", "redis"))
		Expect(waitSucceeded(ns, "replay-extra")).To(And(HavePrefix("Failed"), ContainSubstring("Operation not permitted")))
	})

	It("merges the partial profiles of a 3-replica Deployment into one when the recording is deleted", func() {
		patchSpod(`{"spec":{"enableBpfRecorder":true}}`, `{"spec":{"enableBpfRecorder":false}}`)
		ns := newNamespace("merge")
		mustKubectl("label", "namespace", ns, "spo.x-k8s.io/enable-recording=")
		apply(recordingManifest(ns, "test-recording", "bpf", "containers", "sp-record"))
		apply(fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deploy
  namespace: %s
spec:
  replicas: 3
  selector:
    matchLabels: {app: sp-record}
  template:
    metadata:
      labels: {app: sp-record}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: nginx-record
        image: localhost/busybox:local
        imagePullPolicy: IfNotPresent
        command: ["/bin/sh", "-c", "echo started; sleep 3600"]
`, ns))
		mustKubectl("-n", ns, "rollout", "status", "deployment/nginx-deploy", "--timeout=120s")
		pods := strings.Fields(mustKubectl("-n", ns, "get", "pods", "-l", "app=sp-record", "-o", "jsonpath={.items[*].metadata.name}"))
		Expect(pods).To(HaveLen(3))
		// The manual's silly example, in one replica only.
		mustKubectl("-n", ns, "exec", pods[0], "--", "sh", "-c", "mknod /tmp/foo p")
		mustKubectl("-n", ns, "delete", "deployment", "nginx-deploy")
		mustKubectl("-n", ns, "wait", "pods", "-l", "app=sp-record", "--for=delete", "--timeout=90s")

		selector := "spo.x-k8s.io/recording-id=test-recording,spo.x-k8s.io/partial=true"
		Eventually(func(g Gomega) []string {
			return strings.Fields(kubectlG(g, "-n", ns, "get", "sp", "-l", selector, "-o", "jsonpath={.items[*].metadata.name}"))
		}, 60*time.Second, time.Second).Should(HaveLen(3))
		withMknod := 0
		for _, p := range strings.Fields(mustKubectl("-n", ns, "get", "sp", "-l", selector, "-o", "jsonpath={.items[*].metadata.name}")) {
			Expect(p).To(HavePrefix("test-recording-nginx-record-"))
			Eventually(func() string {
				out, _ := kubectl("-n", ns, "get", "sp", p, "-o", "jsonpath={.status.status}")
				return out
			}, 30*time.Second, time.Second).Should(Equal("Partial"))
			if strings.Contains(allowed(ns, p), "mknod") {
				withMknod++
			}
		}
		Expect(withMknod).To(Equal(1))

		mustKubectl("-n", ns, "delete", "profilerecording", "test-recording", "--timeout=60s")
		waitInstalled(ns, "test-recording-nginx-record")
		Expect(allowed(ns, "test-recording-nginx-record")).To(ContainSubstring("mknod"))
		Expect(mustKubectl("-n", ns, "get", "sp", "-l", selector, "-o", "name")).To(BeEmpty())
	})
}
