package v1alpha1

import (
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
)

// Name is the only name a SecurityProfilesOperatorDaemon may have.
const Name = "spod"

// Defaults the manager applies when a field is unset.
const (
	DefaultPriorityClassName = "system-node-critical"
	DefaultSelinuxTypeTag    = "spc_t"
	DefaultHostProcPath      = "/proc"
)

// The webhooks spod's webhookOptions can tune.
const (
	BindingWebhookName   = "binding.spo.io"
	RecordingWebhookName = "recording.spo.io"
)

// SPODSpec is the operator's configuration.
type SPODSpec struct {
	// enableProfiling serves pprof from every daemon container: the daemon
	// on port 6060, the log enricher on 6061, the bpf recorder on 6062,
	// on loopback only (reach it with kubectl port-forward).
	// +optional
	EnableProfiling bool `json:"enableProfiling,omitempty"`

	// enableMemoryOptimization makes the daemon cache only pods labelled
	// spo.x-k8s.io/enable-recording instead of every pod on its node.
	// +optional
	EnableMemoryOptimization bool `json:"enableMemoryOptimization,omitempty"`

	// enableSelinux reconciles SelinuxProfiles and RawSelinuxProfiles:
	// the daemon probes each node's kernel, the manager labels the node
	// (security-profiles-operator.x-k8s.io/selinux: supported or
	// unsupported), and selinuxd runs in its own DaemonSet on the
	// supported nodes only. Nodes without SELinux report
	// SelinuxNotSupportedOnNode on each profile.
	// +optional
	EnableSelinux *bool `json:"enableSelinux,omitempty"`

	// enableLogEnricher runs the log enricher container, which maps audit
	// and syslog lines to pods and feeds log-based recording.
	// +optional
	EnableLogEnricher bool `json:"enableLogEnricher,omitempty"`

	// enableBpfRecorder runs the eBPF syscall recorder container.
	// +optional
	EnableBpfRecorder bool `json:"enableBpfRecorder,omitempty"`

	// enableAppArmor loads AppArmorProfiles on the nodes.
	// +optional
	EnableAppArmor bool `json:"enableAppArmor,omitempty"`

	// enableSchedulingGates (default true) makes the binding webhook hold
	// a pod that uses an operator-managed seccomp, SELinux or AppArmor
	// profile which is not Installed yet with the scheduling gate
	// spo.x-k8s.io/profiles-installed, and the manager release it once the
	// profile is Installed on the nodes, so the pod never fails on a node
	// that lacks its profile. false admits such pods at once, as before,
	// and releases pods gated earlier.
	// +optional
	EnableSchedulingGates *bool `json:"enableSchedulingGates,omitempty"`

	// apparmorenabled is a deprecated spelling of enableAppArmor that older
	// documentation patches as the string "true"; it has the same effect.
	// Prefer enableAppArmor.
	// +optional
	// +kubebuilder:validation:Enum="true";"false"
	DeprecatedAppArmorEnabled string `json:"apparmorenabled,omitempty"`

	// hostProcVolumePath is the node's /proc as seen by the daemon, for
	// nested environments where the host's proc is mounted elsewhere.
	// +optional
	// +kubebuilder:default="/proc"
	// +kubebuilder:validation:Pattern=`^/[^\x00]*$`
	// +kubebuilder:validation:XValidation:rule="!self.contains('/../') && !self.endsWith('/..')",message="hostProcVolumePath must not contain '..' segments"
	HostProcVolumePath string `json:"hostProcVolumePath,omitempty"`

	// tolerations are added to the daemon pods.
	// +optional
	// +listType=atomic
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`

	// affinity constrains where daemon pods are scheduled.
	// +optional
	Affinity *corev1.Affinity `json:"affinity,omitempty"`

	// priorityClassName is the daemon pods' priority class.
	// +optional
	// +kubebuilder:default=system-node-critical
	// +kubebuilder:validation:MaxLength=253
	PriorityClassName string `json:"priorityClassName,omitempty"`

	// verbosity is the log verbosity of every operator component: 0, or 1
	// for extra detail.
	// +optional
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=1
	Verbosity int32 `json:"verbosity,omitempty"`

	// imagePullSecrets are used to pull the daemon's images.
	// +optional
	// +listType=atomic
	ImagePullSecrets []corev1.LocalObjectReference `json:"imagePullSecrets,omitempty"`

	// selinuxTypeTag is the SELinux type in every daemon container's
	// securityContext.seLinuxOptions.
	// +optional
	// +kubebuilder:default=spc_t
	// +kubebuilder:validation:Pattern=`^[a-zA-Z0-9_]+$`
	// +kubebuilder:validation:MaxLength=128
	SelinuxTypeTag string `json:"selinuxTypeTag,omitempty"`

	// daemonResourceRequirements replaces the daemon container's default
	// resource requests and limits.
	// +optional
	DaemonResourceRequirements *corev1.ResourceRequirements `json:"daemonResourceRequirements,omitempty"`

	// allowedSyscalls, when set, is the only syscalls a SeccompProfile may
	// allow; profiles allowing others are not installed, and installed ones
	// that stop complying when the list changes are removed from the nodes.
	// +optional
	// +listType=set
	AllowedSyscalls []string `json:"allowedSyscalls,omitempty"`

	// allowedSeccompActions, when set, is the only seccomp actions a
	// SeccompProfile may use, as its defaultAction or in any rule
	// (including rules of its base profiles); profiles using another
	// action are not installed, and installed ones that stop complying
	// when the list changes are removed from the nodes.
	// +optional
	// +listType=set
	AllowedSeccompActions []seccompprofilev1beta1.Action `json:"allowedSeccompActions,omitempty"`

	// webhookOptions tune the binding.spo.io and recording.spo.io webhooks
	// of the MutatingWebhookConfiguration the operator manages. They have
	// no effect while staticWebhookConfig is true.
	// +optional
	// +listType=map
	// +listMapKey=name
	WebhookOpts []WebhookOptions `json:"webhookOptions,omitempty"`

	// staticWebhookConfig, when true, leaves the MutatingWebhookConfiguration
	// spo-mutating-webhook-configuration to the installer: the operator
	// neither creates, updates nor deletes it, sets no caBundle on it (not
	// even after rotating its own CA) and ignores webhookOptions. Whatever
	// exists stays as it is. Setting it back to false makes the operator
	// apply its configuration again.
	// +optional
	StaticWebhookConfig bool `json:"staticWebhookConfig,omitempty"`

	// selinuxOptions configure SELinux policy handling.
	// +optional
	// +kubebuilder:default={}
	SelinuxOpts SelinuxOptions `json:"selinuxOptions,omitempty"`
}

// AppArmorEnabled reports whether AppArmor is on through either spelling.
func (s *SPODSpec) AppArmorEnabled() bool {
	return s.EnableAppArmor || s.DeprecatedAppArmorEnabled == "true"
}

// SchedulingGatesEnabled reports whether pods wait for their profiles
// (enableSchedulingGates, true unless set false).
func (s *SPODSpec) SchedulingGatesEnabled() bool {
	return s.EnableSchedulingGates == nil || *s.EnableSchedulingGates
}

// SelinuxNodeLabel is the node label the manager sets from the daemon's
// probe of the node's kernel once spod enables SELinux: whether the kernel
// runs SELinux (selinuxfs registered). selinuxd is scheduled on the nodes
// labelled SelinuxSupported only.
const (
	SelinuxNodeLabel   = "security-profiles-operator.x-k8s.io/selinux"
	SelinuxSupported   = "supported"
	SelinuxUnsupported = "unsupported"
)

// SelinuxEnabled reports whether SELinux support is on.
func (s *SPODSpec) SelinuxEnabled() bool {
	return s.EnableSelinux != nil && *s.EnableSelinux
}

// WebhookOptions tune one webhook.
type WebhookOptions struct {
	// name is the webhook: binding.spo.io or recording.spo.io.
	// +required
	// +kubebuilder:validation:Enum=binding.spo.io;recording.spo.io
	Name string `json:"name"`

	// failurePolicy is Fail or Ignore: what the API server does with a pod
	// when the webhook cannot be reached.
	// +optional
	FailurePolicy *admissionregistrationv1.FailurePolicyType `json:"failurePolicy,omitempty"`

	// namespaceSelector replaces the webhook's namespace selector.
	// +optional
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`

	// objectSelector replaces the webhook's object selector.
	// +optional
	ObjectSelector *metav1.LabelSelector `json:"objectSelector,omitempty"`
}

// SelinuxOptions configure SELinux policy handling.
type SelinuxOptions struct {
	// allowedSystemProfiles are the system policies a SelinuxProfile may
	// inherit from with kind System.
	// +optional
	// +listType=set
	// +kubebuilder:default={container}
	AllowedSystemProfiles []string `json:"allowedSystemProfiles,omitempty"`
}

// SPODState is the rollout state of the operator's node daemon.
// +kubebuilder:validation:Enum=PENDING;CREATING;UPDATING;RUNNING;ERROR
type SPODState string

// The rollout states.
const (
	StatePending  SPODState = "PENDING"
	StateCreating SPODState = "CREATING"
	StateUpdating SPODState = "UPDATING"
	StateRunning  SPODState = "RUNNING"
	StateError    SPODState = "ERROR"
)

// SPODStatus reports the rollout of the operator's node daemon.
type SPODStatus struct {
	// state is PENDING, CREATING, UPDATING, RUNNING (every daemon pod
	// ready) or ERROR.
	// +optional
	State SPODState `json:"state,omitempty"`

	// message explains the state, e.g. what failed.
	// +optional
	Message string `json:"message,omitempty"`

	// conditions report Ready once the daemon runs on every node.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// SecurityProfilesOperatorDaemon is the operator's configuration; there is
// one, named spod, in the operator's namespace.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
// +kubebuilder:resource:shortName=spod,categories=security-profiles
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.status.state`
// +kubebuilder:validation:XValidation:rule="self.metadata.name == 'spod'",message="the SecurityProfilesOperatorDaemon must be named spod"
type SecurityProfilesOperatorDaemon struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the configuration.
	// +optional
	Spec SPODSpec `json:"spec,omitempty"`

	// status reports the daemon's rollout.
	// +optional
	Status SPODStatus `json:"status,omitempty"`
}

// SecurityProfilesOperatorDaemonList is a list of
// SecurityProfilesOperatorDaemons.
// +kubebuilder:object:root=true
type SecurityProfilesOperatorDaemonList struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// items are the configurations.
	Items []SecurityProfilesOperatorDaemon `json:"items"`
}

func init() {
	SchemeBuilder.Register(&SecurityProfilesOperatorDaemon{}, &SecurityProfilesOperatorDaemonList{})
}
