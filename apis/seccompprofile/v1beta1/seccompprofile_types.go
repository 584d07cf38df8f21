package v1beta1

import (
	"fmt"
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
)

// Action is what the kernel does when a syscall matches a rule.
// +kubebuilder:validation:Enum=SCMP_ACT_KILL;SCMP_ACT_KILL_PROCESS;SCMP_ACT_KILL_THREAD;SCMP_ACT_TRAP;SCMP_ACT_ERRNO;SCMP_ACT_TRACE;SCMP_ACT_ALLOW;SCMP_ACT_LOG;SCMP_ACT_NOTIFY
type Action string

// The seccomp actions a profile may use.
const (
	ActionKill        Action = "SCMP_ACT_KILL"
	ActionKillProcess Action = "SCMP_ACT_KILL_PROCESS"
	ActionKillThread  Action = "SCMP_ACT_KILL_THREAD"
	ActionTrap        Action = "SCMP_ACT_TRAP"
	ActionErrno       Action = "SCMP_ACT_ERRNO"
	ActionTrace       Action = "SCMP_ACT_TRACE"
	ActionAllow       Action = "SCMP_ACT_ALLOW"
	ActionLog         Action = "SCMP_ACT_LOG"
	// ActionNotify hands the call to the user-space listener at
	// spec.listenerPath, which decides its outcome.
	ActionNotify Action = "SCMP_ACT_NOTIFY"
)

// ListenerDir is the directory a seccomp notify listener's socket must be
// in: spec.listenerPath is confined to it, so a profile cannot make the
// runtime hand a container's notify fd to an arbitrary socket on the node.
const ListenerDir = "/var/run/security-profiles-operator/"

// Arch is a seccomp architecture name as libseccomp spells it.
// +kubebuilder:validation:Enum=SCMP_ARCH_NATIVE;SCMP_ARCH_X86;SCMP_ARCH_X86_64;SCMP_ARCH_X32;SCMP_ARCH_ARM;SCMP_ARCH_AARCH64;SCMP_ARCH_MIPS;SCMP_ARCH_MIPS64;SCMP_ARCH_MIPS64N32;SCMP_ARCH_MIPSEL;SCMP_ARCH_MIPSEL64;SCMP_ARCH_MIPSEL64N32;SCMP_ARCH_PPC;SCMP_ARCH_PPC64;SCMP_ARCH_PPC64LE;SCMP_ARCH_S390;SCMP_ARCH_S390X;SCMP_ARCH_PARISC;SCMP_ARCH_PARISC64;SCMP_ARCH_RISCV64
type Arch string

// Flag is a seccomp filter flag.
// +kubebuilder:validation:Enum=SECCOMP_FILTER_FLAG_TSYNC;SECCOMP_FILTER_FLAG_LOG;SECCOMP_FILTER_FLAG_SPEC_ALLOW;SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
type Flag string

// Operator compares a syscall argument with a value.
// +kubebuilder:validation:Enum=SCMP_CMP_NE;SCMP_CMP_LT;SCMP_CMP_LE;SCMP_CMP_EQ;SCMP_CMP_GE;SCMP_CMP_GT;SCMP_CMP_MASKED_EQ
type Operator string

// SeccompProfileSpec is a seccomp filter in the OCI runtime-spec shape.
// +kubebuilder:validation:XValidation:rule="!has(self.syscalls) || self.syscalls.all(s, !has(s.errnoRet) || type(s.errnoRet) != int || (s.errnoRet >= 0 && s.errnoRet <= 4095))",message="errnoRet must be an errno number from 0 to 4095"
// +kubebuilder:validation:XValidation:rule="has(self.listenerPath) || (self.defaultAction != 'SCMP_ACT_NOTIFY' && (!has(self.syscalls) || self.syscalls.all(s, s.action != 'SCMP_ACT_NOTIFY')))",message="SCMP_ACT_NOTIFY needs a listenerPath"
type SeccompProfileSpec struct {
	// disabled keeps the profile in the API but off the nodes: each node
	// removes its file (and audit copy) and the profile reads Disabled.
	// Running containers keep the filter they started with; new pods
	// that use the profile wait at the scheduling gate (or fail to start
	// without it) until it is enabled again.
	// +optional
	Disabled bool `json:"disabled,omitempty"`

	// defaultAction is what happens to a syscall that no rule matches, e.g.
	// SCMP_ACT_ERRNO to deny it or SCMP_ACT_LOG to only log it.
	// +required
	DefaultAction Action `json:"defaultAction"`

	// defaultErrnoRet is the errno returned when defaultAction is
	// SCMP_ACT_ERRNO; EPERM (1) when unset. A number, or the same number
	// as a string ("38") as earlier versions of the schema declared it.
	// +optional
	// +kubebuilder:validation:XIntOrString
	// +kubebuilder:validation:Pattern=`^[0-9]{1,4}$`
	// +kubebuilder:validation:XValidation:rule="type(self) != int || (self >= 0 && self <= 4095)",message="must be an errno number from 0 to 4095"
	DefaultErrnoRet *intstr.IntOrString `json:"defaultErrnoRet,omitempty"`

	// listenerPath is the UNIX socket of the seccomp agent the runtime
	// hands the notify fd to when the filter uses SCMP_ACT_NOTIFY. It
	// must be below /var/run/security-profiles-operator/.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	// +kubebuilder:validation:XValidation:rule="self.startsWith('/var/run/security-profiles-operator/') && size(self) > 36 && !self.split('/').exists(s, s == '..' || s == '.')",message="must be a path below /var/run/security-profiles-operator/ without . or .. segments"
	ListenerPath string `json:"listenerPath,omitempty"`

	// listenerMetadata is opaque data the runtime passes to the seccomp
	// agent at listenerPath.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	ListenerMetadata string `json:"listenerMetadata,omitempty"`

	// baseProfileName names a profile whose syscall rules are merged into
	// this one: another SeccompProfile in the same namespace, or a base
	// profile shipped with the operator such as runc-v1.1.4. Chains resolve
	// recursively up to 15 levels; cycles are an error.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	BaseProfileName string `json:"baseProfileName,omitempty"`

	// architectures lists the architectures the filter applies to; the
	// node's native architecture when empty.
	// +optional
	// +listType=set
	Architectures []Arch `json:"architectures,omitempty"`

	// syscalls are the rules, matched in order of specificity by the kernel.
	// +optional
	// +listType=atomic
	Syscalls []Syscall `json:"syscalls,omitempty"`

	// flags are seccomp filter flags passed to seccomp(2).
	// +optional
	// +listType=set
	Flags []Flag `json:"flags,omitempty"`
}

// Syscall is one rule: an action for a set of syscall names, optionally
// narrowed by argument comparisons.
type Syscall struct {
	// names are the syscall names this rule matches, e.g. mkdir or openat.
	// +required
	// +kubebuilder:validation:MinItems=1
	// +listType=atomic
	Names []SyscallName `json:"names"`

	// action is what happens when the rule matches.
	// +required
	Action Action `json:"action"`

	// errnoRet is the errno returned when action is SCMP_ACT_ERRNO. A
	// number, or the same number as a string ("38") as earlier versions of
	// the schema declared it.
	// +optional
	// +kubebuilder:validation:XIntOrString
	// +kubebuilder:validation:Pattern=`^[0-9]{1,4}$`
	ErrnoRet *intstr.IntOrString `json:"errnoRet,omitempty"`

	// args narrow the rule to calls whose arguments compare as given; all
	// must hold.
	// +optional
	// +kubebuilder:validation:MaxItems=6
	// +listType=atomic
	Args []Arg `json:"args,omitempty"`
}

// Errno returns the number an errnoRet or defaultErrnoRet holds, written
// as an integer or as a string of digits; nil when unset.
func Errno(v *intstr.IntOrString) (*int64, error) {
	if v == nil {
		return nil, nil
	}
	if v.Type == intstr.Int {
		n := int64(v.IntVal)
		return &n, nil
	}
	n, err := strconv.ParseInt(v.StrVal, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("errno %q is not a number", v.StrVal)
	}
	return &n, nil
}

// SyscallName is a syscall's name as libseccomp knows it.
// +kubebuilder:validation:MinLength=1
// +kubebuilder:validation:MaxLength=64
// +kubebuilder:validation:Pattern=`^[a-z0-9_]+$`
type SyscallName string

// Arg compares one syscall argument.
type Arg struct {
	// index is the argument's position, 0 to 5.
	// +required
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=5
	Index int32 `json:"index"`

	// value is compared with the argument.
	// +optional
	// +kubebuilder:validation:Minimum=0
	Value int64 `json:"value,omitempty"`

	// valueTwo is the second operand of SCMP_CMP_MASKED_EQ (the expected
	// value after masking with value).
	// +optional
	// +kubebuilder:validation:Minimum=0
	ValueTwo int64 `json:"valueTwo,omitempty"`

	// op is the comparison.
	// +required
	Op Operator `json:"op"`
}

// SeccompProfileStatus reports where the profile is installed.
type SeccompProfileStatus struct {
	profilebasev1alpha1.StatusBase `json:",inline"`

	// localhostProfile is the path to use in a pod's
	// securityContext.seccompProfile.localhostProfile, relative to the
	// kubelet's seccomp root, e.g. operator/my-namespace/profile1.json.
	// +optional
	LocalhostProfile string `json:"localhostProfile,omitempty"`

	// seccompProfile.localhostProfile repeats localhostProfile under the key
	// older documentation reads with
	// jsonpath='{.status.seccompProfile\.localhostProfile}'.
	// +optional
	LegacyLocalhostProfile string `json:"seccompProfile.localhostProfile,omitempty"`

	// path is the profile's file on the nodes:
	// <kubelet root>/seccomp/operator/<namespace>/<name>.json. A node's
	// kubelet root is the one its kubelet.kubernetes.io/directory-location
	// label names, else /var/lib/kubelet; when the nodes' roots differ (or
	// there are no nodes) path uses /var/lib/kubelet.
	// +optional
	Path string `json:"path,omitempty"`

	// activeWorkloads lists the pods ("<namespace>/<name>") that use this
	// profile; while it is not empty the profile cannot be deleted.
	// +optional
	// +listType=set
	ActiveWorkloads []string `json:"activeWorkloads,omitempty"`

	// auditedSyscalls lists the calls this profile would have blocked in
	// containers bound to it in audit mode (ProfileBinding mode: Audit),
	// one entry per image and syscall, as the log enricher of each node
	// saw them. At most MaxAuditedSyscalls entries; calls beyond that are
	// counted in auditedSyscallsDropped. Annotate the profile with
	// spo.x-k8s.io/allow-audited-syscalls=true to add them all to its
	// allowed syscalls and clear the list.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=256
	AuditedSyscalls []AuditedSyscall `json:"auditedSyscalls,omitempty"`

	// auditedSyscallsDropped counts audited calls not listed because the
	// list was full.
	// +optional
	AuditedSyscallsDropped int64 `json:"auditedSyscallsDropped,omitempty"`
}

// MaxAuditedSyscalls bounds status.auditedSyscalls.
const MaxAuditedSyscalls = 256

// AuditedSyscall is a syscall the profile would have blocked, made by the
// containers of one image running the profile in audit mode.
type AuditedSyscall struct {
	// image is the container's image as written in its pod.
	// +required
	// +kubebuilder:validation:MaxLength=4096
	Image string `json:"image"`

	// syscall is the name of the call.
	// +required
	// +kubebuilder:validation:MaxLength=64
	Syscall string `json:"syscall"`

	// count is how many calls were seen.
	// +required
	Count int64 `json:"count"`

	// firstSeen is when the first call was seen.
	// +required
	FirstSeen metav1.Time `json:"firstSeen"`

	// lastSeen is when the latest call was seen.
	// +required
	LastSeen metav1.Time `json:"lastSeen"`
}

// SeccompProfile is a seccomp filter installed on every node of the cluster.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
// +kubebuilder:resource:shortName=sp,categories=security-profiles
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="SeccompProfile.LocalhostProfile",type=string,JSONPath=`.status.localhostProfile`,priority=10
type SeccompProfile struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the seccomp filter.
	// +required
	Spec SeccompProfileSpec `json:"spec"`

	// status reports the profile's state on the nodes.
	// +optional
	Status SeccompProfileStatus `json:"status,omitempty"`
}

// SeccompProfileList is a list of SeccompProfiles.
// +kubebuilder:object:root=true
type SeccompProfileList struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// items are the profiles.
	Items []SeccompProfile `json:"items"`
}

func init() {
	SchemeBuilder.Register(&SeccompProfile{}, &SeccompProfileList{})
}
