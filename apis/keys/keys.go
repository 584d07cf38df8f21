package keys

// Group is the API group of every kind the operator serves.
const Group = "security-profiles-operator.x-k8s.io"

// Prefix qualifies every label, annotation and finalizer the operator owns.
const Prefix = "spo.x-k8s.io/"

// Namespace labels that opt a namespace into the mutating webhooks. Only the
// presence of the label matters, not its value.
const (
	// EnableBindingLabel turns on the binding.spo.io webhook in a namespace.
	EnableBindingLabel = Prefix + "enable-binding"
	// EnableRecordingLabel turns on the recording.spo.io webhook in a
	// namespace and, with spod's enableMemoryOptimization, marks a pod as
	// one the daemon must cache.
	EnableRecordingLabel = Prefix + "enable-recording"
)

// Labels on SecurityProfileNodeStatus objects (node-name) and recorded
// profiles.
const (
	// ProfileIDLabel identifies a profile within its namespace as "<Kind>-<name>"
	// (recorded partial profiles: "<Kind>-<recording>-<container>-<suffix>").
	// Node statuses of the earlier one-per-profile shape carried it too.
	ProfileIDLabel = Prefix + "profile-id"
	// NodeNameLabel names the node a SecurityProfileNodeStatus describes.
	NodeNameLabel = Prefix + "node-name"
	// RecordingIDLabel names the ProfileRecording a profile came from.
	RecordingIDLabel = Prefix + "recording-id"
	// PartialLabel marks a per-container recorded profile that waits to be
	// merged; daemons do not install partial profiles.
	PartialLabel = Prefix + "partial"
	// ContainerIDLabel names the recorded container a profile belongs to.
	ContainerIDLabel = Prefix + "container-id"
)

// Finalizers on the user's profile objects. There is deliberately no
// per-node finalizer: per-node state lives in SecurityProfileNodeStatus
// objects, so a node that vanishes cannot block a deletion forever; a
// node whose daemon was down when a profile went removes its copy at the
// daemon's next start.
const (
	// InUseFinalizer is held while running pods reference the profile.
	InUseFinalizer = Prefix + "in-use"
	// MergeFinalizer is held on a ProfileRecording with mergeStrategy
	// containers until its partial profiles are merged, one profile per
	// container, after the recording is deleted.
	MergeFinalizer = Prefix + "merge-partials"
)

// NodeDirectoryLocationLabel is set on Node objects whose kubelet root is
// not /var/lib/kubelet; its value is the path with "/" replaced by "-".
const NodeDirectoryLocationLabel = "kubelet.kubernetes.io/directory-location"

// SeccompPodAnnotation is the legacy (pre-1.19) pod seccomp annotation; its
// value is "localhost/<profile path>" for a Localhost profile.
const SeccompPodAnnotation = "seccomp.security.alpha.kubernetes.io/pod"

// SeccompContainerAnnotationPrefix is the legacy per-container seccomp
// annotation; the key ends in the container name.
const SeccompContainerAnnotationPrefix = "container.seccomp.security.alpha.kubernetes.io/"

// Holding pods until their profiles are on the nodes. The binding.spo.io
// webhook adds ProfilesInstalledGate to a pod that uses an operator-managed
// profile which is not Installed yet; the manager removes it once every
// such profile is Installed, and until then reports why on the pod's
// ProfilesInstalledCondition and in Events.
const (
	// ProfilesInstalledGate is the pod scheduling gate.
	ProfilesInstalledGate = Prefix + "profiles-installed"
	// ProfilesInstalledCondition is the pod condition type.
	ProfilesInstalledCondition = Prefix + "ProfilesInstalled"
)

// AllowAuditedSyscallsAnnotation, set to "true" on a SeccompProfile, asks
// the manager to add every syscall listed in the profile's
// status.auditedSyscalls to its allowed syscalls, clear the list and
// remove the annotation: one kubectl annotate turns what audit mode saw
// into an updated profile.
const AllowAuditedSyscallsAnnotation = Prefix + "allow-audited-syscalls"
