package spod

import (
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/internal/metricsserving"
)

// daemonHealthPort is where the daemon serves /healthz and /readyz.
const daemonHealthPort = 8085

// Subcommands of the daemon image that run the recorders; the image's
// entrypoint dispatches on its first argument.
const (
	logEnricherCommand = "log-enricher"
	bpfRecorderCommand = "bpf-recorder"
)

// daemonContainer installs profiles. It runs as root so it can write the
// root-owned kubelet seccomp directory, but with every capability dropped:
// owner permissions suffice for that, nothing else is needed. AppArmor
// adds MAC_ADMIN and an unconfined AppArmor profile, because loading
// profiles writes to securityfs, which runtime default profiles deny.
func daemonContainer(spec *spodv1alpha1.SPODSpec, cfg Config) corev1.Container {
	c := baseContainer(DaemonContainer, cfg.DaemonImage, spec, nil)
	// The metrics Service reaches the daemon's TLS metrics endpoint
	// through the port named "metrics".
	// No host /proc: what the daemon reads there (seccomp actions, the
	// kernel's file systems) is the same in its own; only the recorders
	// look at the node's processes.
	c.Args = append(c.Args, "--metrics-bind-address=:"+strconv.Itoa(int(MetricsPort)))
	c.Ports = []corev1.ContainerPort{{Name: "metrics", ContainerPort: MetricsPort, Protocol: corev1.ProtocolTCP}}
	c.Env = append(c.Env,
		corev1.EnvVar{Name: EnvKubeletDir, Value: cfg.KubeletDir},
		corev1.EnvVar{Name: EnvOperatorNamespace, Value: cfg.Namespace})
	c.Env = append(c.Env, restrictionEnv(cfg)...)
	c.VolumeMounts = []corev1.VolumeMount{
		// Only the kubelet's seccomp root, where the daemon links its
		// storage: the rest of the kubelet root holds every pod's volumes
		// and service account tokens.
		mount("host-kubelet-seccomp", kubeletSeccompDir(cfg), false),
		mount("profile-storage", ProfileStorageDir, false),
		mount("tmp", "/tmp", false),
		// The daemon serves metrics with this certificate, which the
		// ServiceMonitor verifies against the Secret's ca.crt.
		mount("metrics-cert", metricsserving.DefaultCertDir, true),
	}
	c.Resources = daemonResources(spec)
	c.LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
		Path: "/healthz", Port: intstr.FromInt32(daemonHealthPort),
	}}}
	if spec.EnableMemoryOptimization {
		c.Env = append(c.Env, corev1.EnvVar{Name: EnvMemoryOptimization, Value: "true"})
	}
	if RecordingEnabled(spec, cfg) {
		// The recorder containers serve their metrics to this one, which
		// includes them in /metrics-spod. Recording itself runs there: this
		// container gains nothing when it is on.
		c.VolumeMounts = append(c.VolumeMounts, mount(sidecarMetricsVolume, metricsserving.SidecarDir, true))
	}
	if spec.AppArmorEnabled() {
		c.Env = append(c.Env, corev1.EnvVar{Name: EnvAppArmor, Value: "true"})
		c.SecurityContext.Capabilities.Add = []corev1.Capability{"MAC_ADMIN"}
		c.SecurityContext.AppArmorProfile = &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeUnconfined}
		c.VolumeMounts = append(c.VolumeMounts,
			mount("host-apparmor", "/etc/apparmor.d", true),
			mount("host-securityfs", "/sys/kernel/security", false))
	}
	if spec.SelinuxEnabled() {
		// The daemon writes <policy>.cil files for selinuxd to install
		// and asks selinuxd over its socket how each went. selinuxd runs
		// in its own DaemonSet (selinuxd.go): both share host directories.
		c.Env = append(c.Env, corev1.EnvVar{Name: EnvSelinux, Value: "true"})
		c.VolumeMounts = append(c.VolumeMounts,
			mount(selinuxdSocketVolume, SelinuxdSocketDir, false),
			mount(selinuxPoliciesVolume, SelinuxPolicyDir, false))
	}
	return finish(c, spec, DaemonProfilingPort)
}

// logEnricherContainer reads the kernel's audit records from the audit
// multicast group, which delivers only in the host's network namespace
// (hence hostNetwork on the pod) and only to CAP_AUDIT_READ, and falls back
// to the node's audit log or syslog (root-owned: owner access suffices).
// It maps pids to containers through the host's /proc (hostPID) and
// writes recorded profiles through the API.
func logEnricherContainer(spec *spodv1alpha1.SPODSpec, cfg Config) corev1.Container {
	c := recorderContainer(LogEnricherContainer, logEnricherCommand, spec, cfg)
	c.SecurityContext.Capabilities.Add = []corev1.Capability{"AUDIT_READ"}
	c.VolumeMounts = append(c.VolumeMounts, mount("host-log", "/var/log", true))
	return finish(c, spec, LogEnricherProfilingPort)
}

// bpfRecorderContainer loads the eBPF recorder: BPF and PERFMON to load
// and attach tracing programs and read kernel memory with them; nothing
// else (kernels since 5.11 charge BPF memory to the cgroup, so no
// SYS_RESOURCE for memlock, which many nodes withhold anyway). The
// runtime's default seccomp profile filters bpf(2) on several runtimes,
// so this container alone is Unconfined. libbpf needs the kernel's BTF
// and a writable /tmp for the embedded object.
func bpfRecorderContainer(spec *spodv1alpha1.SPODSpec, cfg Config) corev1.Container {
	c := recorderContainer(BpfRecorderContainer, bpfRecorderCommand, spec, cfg)
	c.SecurityContext.Capabilities.Add = []corev1.Capability{"BPF", "PERFMON"}
	c.SecurityContext.SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeUnconfined}
	c.VolumeMounts = append(c.VolumeMounts,
		mount("host-btf", "/sys/kernel/btf", true),
		mount("tmp", "/tmp", false))
	return finish(c, spec, BpfRecorderProfilingPort)
}

// recorderContainer is what both recorder containers share: the host's
// /proc, the socket directory for their metrics, and the switches of
// their pod cache.
func recorderContainer(name, command string, spec *spodv1alpha1.SPODSpec, cfg Config) corev1.Container {
	c := baseContainer(name, cfg.DaemonImage, spec, []string{command})
	c.Args = append(c.Args, "--host-proc="+HostProcMountPath)
	c.Env = append(c.Env, corev1.EnvVar{Name: EnvOperatorNamespace, Value: cfg.Namespace})
	c.Env = append(c.Env, restrictionEnv(cfg)...)
	if spec.EnableMemoryOptimization {
		c.Env = append(c.Env, corev1.EnvVar{Name: EnvMemoryOptimization, Value: "true"})
	}
	c.VolumeMounts = []corev1.VolumeMount{
		mount("host-proc", HostProcMountPath, true),
		mount(sidecarMetricsVolume, metricsserving.SidecarDir, false),
	}
	return c
}

// restrictionEnv passes a namespace-restricted manager's restriction on:
// a daemon of a restricted install must not act in other namespaces.
func restrictionEnv(cfg Config) []corev1.EnvVar {
	if cfg.WatchNamespace == "" {
		return nil
	}
	return []corev1.EnvVar{{Name: EnvRestrictToNamespace, Value: cfg.WatchNamespace}}
}

// sidecarMetricsVolume holds the recorder containers' metrics sockets.
const sidecarMetricsVolume = "spo-metrics"

// baseContainer has what every daemon container shares: the verbosity
// flag, the node name and a locked-down security context carrying spod's
// SELinux type.
func baseContainer(name, image string, spec *spodv1alpha1.SPODSpec, args []string) corev1.Container {
	typeTag := spec.SelinuxTypeTag
	if typeTag == "" {
		typeTag = spodv1alpha1.DefaultSelinuxTypeTag
	}
	return corev1.Container{
		Name:  name,
		Image: image,
		Args:  append(slices.Clone(args), verbosityArg(spec)),
		Env: []corev1.EnvVar{{Name: EnvNodeName, ValueFrom: &corev1.EnvVarSource{
			FieldRef: &corev1.ObjectFieldSelector{FieldPath: "spec.nodeName"},
		}}},
		SecurityContext: &corev1.SecurityContext{
			RunAsUser:                ptrTo[int64](0),
			AllowPrivilegeEscalation: ptrTo(false),
			ReadOnlyRootFilesystem:   ptrTo(true),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			SELinuxOptions:           &corev1.SELinuxOptions{Type: typeTag},
			SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
	}
}

// finish adds the profiling switch and port and sorts the container's
// lists. A zero port means the container serves no pprof endpoint. The
// pprof port is not a containerPort: pprof listens on loopback only
// (reached with kubectl port-forward), and on a hostNetwork pod a
// containerPort would also claim the node's port.
func finish(c corev1.Container, spec *spodv1alpha1.SPODSpec, pprofPort int32) corev1.Container {
	if spec.EnableProfiling && pprofPort != 0 {
		c.Env = append(c.Env,
			corev1.EnvVar{Name: EnvProfiling, Value: "true"},
			corev1.EnvVar{Name: EnvProfilingPort, Value: strconv.Itoa(int(pprofPort))})
	}
	slices.SortFunc(c.Env, func(a, b corev1.EnvVar) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(c.VolumeMounts, func(a, b corev1.VolumeMount) int { return strings.Compare(a.MountPath, b.MountPath) })
	slices.SortFunc(c.Ports, func(a, b corev1.ContainerPort) int { return int(a.ContainerPort - b.ContainerPort) })
	slices.Sort(c.SecurityContext.Capabilities.Add)
	return c
}

// daemonResources are spod's daemonResourceRequirements or, when unset,
// defaults sized for a daemon caching one node's objects.
func daemonResources(spec *spodv1alpha1.SPODSpec) corev1.ResourceRequirements {
	if spec.DaemonResourceRequirements != nil {
		return *spec.DaemonResourceRequirements.DeepCopy()
	}
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{
			corev1.ResourceCPU:              resource.MustParse("100m"),
			corev1.ResourceMemory:           resource.MustParse("64Mi"),
			corev1.ResourceEphemeralStorage: resource.MustParse("50Mi"),
		},
		Limits: corev1.ResourceList{
			corev1.ResourceMemory:           resource.MustParse("128Mi"),
			corev1.ResourceEphemeralStorage: resource.MustParse("200Mi"),
		},
	}
}

func mount(name, path string, readOnly bool) corev1.VolumeMount {
	return corev1.VolumeMount{Name: name, MountPath: path, ReadOnly: readOnly}
}

func ptrTo[T any](v T) *T { return &v }
