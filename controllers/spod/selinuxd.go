package spod

import (
	"slices"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
)

// selinuxd runs in a DaemonSet of its own, scheduled only on the nodes
// the manager labelled SelinuxSupported, because it needs the node's
// /sys/fs/selinux: a kernel without SELinux has none and sysfs refuses to
// create it, so a selinuxd container in the spod pod would keep that pod
// from ever starting on such a node. The daemon and selinuxd share the
// policy directory and selinuxd's socket through node directories.
const (
	SelinuxdDaemonSetName = "spod-selinuxd"
	// SelinuxProbeContainer is the daemon pod's init container that tells
	// whether the node's kernel runs SELinux, in its termination message.
	SelinuxProbeContainer = "selinux-probe"
	// selinuxProbeCommand is the daemon image's subcommand for it.
	selinuxProbeCommand = "selinux-probe"

	selinuxdSocketVolume  = "selinuxd-socket"
	selinuxPoliciesVolume = "selinux-policies"
)

// SelinuxdLabels select the selinuxd pods; they differ from DaemonLabels
// so that neither DaemonSet claims the other's pods.
func SelinuxdLabels() map[string]string {
	return map[string]string{"app": "security-profiles-operator", "name": SelinuxdDaemonSetName}
}

// BuildSelinuxdDaemonSet returns the desired selinuxd DaemonSet when spod
// enables SELinux, nil otherwise. Like BuildDaemonSet it is pure.
func BuildSelinuxdDaemonSet(spec *spodv1alpha1.SPODSpec, cfg Config) *appsv1.DaemonSet {
	if !spec.SelinuxEnabled() {
		return nil
	}
	priority := spec.PriorityClassName
	if priority == "" {
		priority = spodv1alpha1.DefaultPriorityClassName
	}
	pod := corev1.PodSpec{
		// selinuxd talks to no API server.
		AutomountServiceAccountToken: ptrTo(false),
		PriorityClassName:            priority,
		NodeSelector: map[string]string{
			corev1.LabelOSStable:          "linux",
			spodv1alpha1.SelinuxNodeLabel: spodv1alpha1.SelinuxSupported,
		},
		ImagePullSecrets: slices.Clone(spec.ImagePullSecrets),
		Containers:       []corev1.Container{selinuxdContainer(spec, cfg)},
		Volumes: []corev1.Volume{
			{Name: "host-etc-selinux", VolumeSource: hostPath("/etc/selinux", corev1.HostPathDirectory)},
			{Name: "host-fs-selinux", VolumeSource: hostPath("/sys/fs/selinux", corev1.HostPathDirectory)},
			{Name: "host-var-lib-selinux", VolumeSource: hostPath("/var/lib/selinux", corev1.HostPathDirectory)},
			{Name: selinuxPoliciesVolume, VolumeSource: hostPath(SelinuxPolicyHostDir, corev1.HostPathDirectoryOrCreate)},
			{Name: selinuxdSocketVolume, VolumeSource: hostPath(SelinuxdSocketDir, corev1.HostPathDirectoryOrCreate)},
		},
	}
	for i := range spec.Tolerations {
		pod.Tolerations = append(pod.Tolerations, *spec.Tolerations[i].DeepCopy())
	}
	if spec.Affinity != nil {
		pod.Affinity = spec.Affinity.DeepCopy()
	}
	return &appsv1.DaemonSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: appsv1.SchemeGroupVersion.String(), Kind: "DaemonSet"},
		ObjectMeta: metav1.ObjectMeta{Name: SelinuxdDaemonSetName, Namespace: cfg.Namespace, Labels: SelinuxdLabels()},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: SelinuxdLabels()},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: SelinuxdLabels()},
				Spec:       pod,
			},
		},
	}
}

// selinuxdContainer runs selinuxd, which installs the policy files the
// daemon writes into the node's policy store: it rewrites root-owned
// policy files, hence the file-ownership capabilities, but needs no
// privileged mode. It only reads the policy directory. Its status
// database lives next to its socket: the root filesystem is read-only.
func selinuxdContainer(spec *spodv1alpha1.SPODSpec, cfg Config) corev1.Container {
	c := baseContainer(SelinuxdContainer, cfg.SelinuxdImage, spec, nil)
	c.Args = []string{"daemon",
		"--socket-path=" + SelinuxdSocketDir + "/selinuxd.sock",
		"--datastore-path=" + SelinuxdSocketDir + "/selinuxd.db",
		"--socket-uid=0", "--socket-gid=0"}
	c.SecurityContext.Capabilities.Add = []corev1.Capability{"CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID"}
	c.VolumeMounts = []corev1.VolumeMount{
		mount("host-etc-selinux", "/etc/selinux", false),
		mount("host-fs-selinux", "/sys/fs/selinux", false),
		mount("host-var-lib-selinux", "/var/lib/selinux", false),
		mount(selinuxdSocketVolume, SelinuxdSocketDir, false),
		mount(selinuxPoliciesVolume, SelinuxPolicyDir, true),
	}
	return finish(c, spec, 0)
}

// selinuxProbeContainer reads the kernel's file systems (/proc/filesystems
// is the same in every container of a node) and exits, its finding in its
// termination message for the manager to label the node with. It needs
// no mount and no capability.
func selinuxProbeContainer(spec *spodv1alpha1.SPODSpec, cfg Config) corev1.Container {
	c := baseContainer(SelinuxProbeContainer, cfg.DaemonImage, spec, []string{selinuxProbeCommand})
	c.TerminationMessagePolicy = corev1.TerminationMessageReadFile
	c.Resources = corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("16Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("32Mi")},
	}
	slices.SortFunc(c.Env, func(a, b corev1.EnvVar) int { return strings.Compare(a.Name, b.Name) })
	return c
}
