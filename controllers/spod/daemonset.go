package spod

import (
	"path"
	"slices"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
)

// Names of the node daemon's objects and containers. The container names
// are the ones the manual's `kubectl logs -c …` commands use.
const (
	DaemonSetName        = "spod"
	DaemonServiceAccount = "spod"
	DaemonContainer      = "security-profiles-operator"
	LogEnricherContainer = "log-enricher"
	BpfRecorderContainer = "bpf-recorder"
	SelinuxdContainer    = "selinuxd"
)

// The pprof port of each daemon container when spod enables profiling.
// selinuxd has none: it serves pprof on its UNIX socket.
const (
	DaemonProfilingPort      int32 = 6060
	LogEnricherProfilingPort int32 = 6061
	BpfRecorderProfilingPort int32 = 6062
)

// The environment the daemon image reads. Switches are environment
// variables rather than flags so that a daemon image which predates a
// switch still starts (an unknown flag would make it exit).
const (
	EnvNodeName           = "NODE_NAME"
	EnvOperatorNamespace  = "OPERATOR_NAMESPACE"
	EnvKubeletDir         = "KUBELET_DIR"
	EnvProfiling          = "SPO_PROFILING"
	EnvProfilingPort      = "SPO_PROFILING_PORT"
	EnvMemoryOptimization = "ENABLE_MEMORY_OPTIMIZATION"
	EnvRecording          = "ENABLE_RECORDING"
	EnvAppArmor           = "ENABLE_APPARMOR"
	EnvSelinux            = "ENABLE_SELINUX"
	// EnvRestrictToNamespace carries the manager's namespace restriction
	// to the daemon containers, which then handle profiles, recordings and
	// pods of that namespace only.
	EnvRestrictToNamespace = "RESTRICT_TO_NAMESPACE"
)

// Paths inside the daemon containers.
const (
	// HostProcMountPath is where spod's hostProcVolumePath is mounted.
	HostProcMountPath = "/host/proc"
	// ProfileStorageDir is the daemon's rootless profile storage on the node.
	ProfileStorageDir = "/var/lib/security-profiles-operator"
	// SelinuxdSocketDir holds the socket selinuxd and the daemon share.
	SelinuxdSocketDir = "/var/run/selinuxd"
	// SelinuxPolicyDir is where the daemon writes policies for selinuxd,
	// the directory selinuxd watches, in both containers.
	SelinuxPolicyDir = "/etc/selinux.d"
	// SelinuxPolicyHostDir is that directory on the node: selinuxd runs
	// in a pod of its own, so the two share node directories (the socket
	// directory is SelinuxdSocketDir on the node too).
	SelinuxPolicyHostDir = ProfileStorageDir + "/selinux.d"
)

// defaultContainerAnnotation makes `kubectl logs` and `kubectl exec` pick
// the daemon container when none is named.
const defaultContainerAnnotation = "kubectl.kubernetes.io/default-container"

// DaemonLabels select the daemon pods; `kubectl logs --selector name=spod`
// in the manual relies on the name label.
func DaemonLabels() map[string]string {
	return map[string]string{"app": "security-profiles-operator", "name": DaemonSetName}
}

// RecordingEnabled reports whether a recorder runs, which is when the
// daemon must see the node's processes (hostPID).
func RecordingEnabled(spec *spodv1alpha1.SPODSpec, cfg Config) bool {
	return logEnricherEnabled(spec, cfg) || spec.EnableBpfRecorder
}

func logEnricherEnabled(spec *spodv1alpha1.SPODSpec, cfg Config) bool {
	return spec.EnableLogEnricher || cfg.ForceLogEnricher
}

// BuildDaemonSet returns the desired node daemon DaemonSet for spec. It is
// pure and deterministic: it copies what it takes from spec and sorts
// every list it generates.
func BuildDaemonSet(spec *spodv1alpha1.SPODSpec, cfg Config) *appsv1.DaemonSet {
	containers := []corev1.Container{daemonContainer(spec, cfg)}
	if logEnricherEnabled(spec, cfg) {
		containers = append(containers, logEnricherContainer(spec, cfg))
	}
	if spec.EnableBpfRecorder {
		containers = append(containers, bpfRecorderContainer(spec, cfg))
	}
	return &appsv1.DaemonSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: appsv1.SchemeGroupVersion.String(), Kind: "DaemonSet"},
		ObjectMeta: metav1.ObjectMeta{Name: DaemonSetName, Namespace: cfg.Namespace, Labels: DaemonLabels()},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: DaemonLabels()},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{
					Labels:      DaemonLabels(),
					Annotations: map[string]string{defaultContainerAnnotation: DaemonContainer},
				},
				Spec: daemonPodSpec(spec, cfg, containers, initContainers(spec, cfg)),
			},
		},
	}
}

// kubeletSeccompDir is where the kubelet resolves Localhost seccomp
// profiles, on the node and in the daemon container alike.
func kubeletSeccompDir(cfg Config) string {
	return path.Join(cfg.KubeletDir, "seccomp")
}

// initContainers run before the daemon: with SELinux on, the probe whose
// result the manager turns into the node's SelinuxNodeLabel.
func initContainers(spec *spodv1alpha1.SPODSpec, cfg Config) []corev1.Container {
	if !spec.SelinuxEnabled() {
		return nil
	}
	return []corev1.Container{selinuxProbeContainer(spec, cfg)}
}

func daemonPodSpec(spec *spodv1alpha1.SPODSpec, cfg Config, containers, inits []corev1.Container) corev1.PodSpec {
	priority := spec.PriorityClassName
	if priority == "" {
		priority = spodv1alpha1.DefaultPriorityClassName
	}
	pod := corev1.PodSpec{
		ServiceAccountName: DaemonServiceAccount,
		PriorityClassName:  priority,
		// The recorders map audit lines and BPF events to containers by
		// pid, which only works in the node's pid namespace; the daemon
		// alone does not need it.
		HostPID: RecordingEnabled(spec, cfg),
		// The kernel delivers audit records to listeners in the host's
		// network namespace only.
		HostNetwork:      logEnricherEnabled(spec, cfg),
		NodeSelector:     map[string]string{corev1.LabelOSStable: "linux"},
		ImagePullSecrets: slices.Clone(spec.ImagePullSecrets),
		InitContainers:   inits,
		Containers:       containers,
		Volumes:          daemonVolumes(spec, cfg, containers),
	}
	for i := range spec.Tolerations {
		pod.Tolerations = append(pod.Tolerations, *spec.Tolerations[i].DeepCopy())
	}
	if pod.HostNetwork {
		pod.DNSPolicy = corev1.DNSClusterFirstWithHostNet
	}
	if spec.Affinity != nil {
		pod.Affinity = spec.Affinity.DeepCopy()
	}
	return pod
}

// daemonVolumes declares every volume some container mounts, sorted by
// name, so a volume exists exactly when a container needs it.
func daemonVolumes(spec *spodv1alpha1.SPODSpec, cfg Config, containers []corev1.Container) []corev1.Volume {
	all := map[string]corev1.VolumeSource{
		"host-kubelet-seccomp": hostPath(kubeletSeccompDir(cfg), corev1.HostPathDirectoryOrCreate),
		"profile-storage":      hostPath(ProfileStorageDir, corev1.HostPathDirectoryOrCreate),
		"host-proc":            hostPath(hostProcPath(spec), corev1.HostPathDirectory),
		"host-log":             hostPath("/var/log", corev1.HostPathDirectory),
		"host-btf":             hostPath("/sys/kernel/btf", corev1.HostPathDirectory),
		"host-securityfs":      hostPath("/sys/kernel/security", corev1.HostPathDirectory),
		"host-apparmor":        hostPath("/etc/apparmor.d", corev1.HostPathDirectoryOrCreate),
		selinuxdSocketVolume:   hostPath(SelinuxdSocketDir, corev1.HostPathDirectoryOrCreate),
		selinuxPoliciesVolume:  hostPath(SelinuxPolicyHostDir, corev1.HostPathDirectoryOrCreate),
		"tmp":                  {EmptyDir: &corev1.EmptyDirVolumeSource{}},
		sidecarMetricsVolume:   {EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}},
		// Optional: the daemon installs profiles whether or not its
		// metrics certificate has been issued yet, and serves metrics with
		// a self-signed one until it has.
		"metrics-cert": {Secret: &corev1.SecretVolumeSource{SecretName: MetricsCertSecret, Optional: ptrTo(true)}},
	}
	used := map[string]bool{}
	for _, c := range containers {
		for _, m := range c.VolumeMounts {
			used[m.Name] = true
		}
	}
	var out []corev1.Volume
	for name := range used {
		out = append(out, corev1.Volume{Name: name, VolumeSource: all[name]})
	}
	slices.SortFunc(out, func(a, b corev1.Volume) int { return strings.Compare(a.Name, b.Name) })
	return out
}

func hostProcPath(spec *spodv1alpha1.SPODSpec) string {
	if spec.HostProcVolumePath == "" {
		return spodv1alpha1.DefaultHostProcPath
	}
	return spec.HostProcVolumePath
}

func hostPath(path string, t corev1.HostPathType) corev1.VolumeSource {
	return corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: path, Type: &t}}
}

// verbosityArg passes spod's verbosity as the flag every binary takes.
func verbosityArg(spec *spodv1alpha1.SPODSpec) string {
	return "--verbosity=" + strconv.Itoa(int(spec.Verbosity))
}
