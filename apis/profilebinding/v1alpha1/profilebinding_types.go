package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ProfileKind is a kind of profile a binding can point at.
// RawSelinuxProfiles cannot be bound: they have no structured usage type.
// +kubebuilder:validation:Enum=SeccompProfile;SelinuxProfile;AppArmorProfile
type ProfileKind string

// The bindable kinds.
const (
	ProfileKindSeccomp  ProfileKind = "SeccompProfile"
	ProfileKindSelinux  ProfileKind = "SelinuxProfile"
	ProfileKindAppArmor ProfileKind = "AppArmorProfile"
)

// BindingMode says whether a bound seccomp profile blocks or only reports.
// +kubebuilder:validation:Enum=Enforce;Audit
type BindingMode string

// The binding modes.
const (
	// ModeEnforce gives containers the profile itself.
	ModeEnforce BindingMode = "Enforce"
	// ModeAudit gives containers the profile's audit copy, which lets
	// every call through and logs each one the profile would block.
	ModeAudit BindingMode = "Audit"
)

// SelectAllImages as a binding's image applies the profile to every
// container that does not set its own.
const SelectAllImages = "*"

// ProfileRef names a profile in the binding's namespace.
type ProfileRef struct {
	// kind is SeccompProfile, SelinuxProfile or AppArmorProfile. A
	// SeccompProfile goes to a container's seccompProfile, a
	// SelinuxProfile's usage type to its seLinuxOptions.type, and an
	// AppArmorProfile to its appArmorProfile (Localhost, named like the
	// profile).
	// +required
	Kind ProfileKind `json:"kind"`

	// name is the profile's name in the binding's namespace.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// ProfileBindingSpec says which profile goes to which containers.
// +kubebuilder:validation:XValidation:rule="!has(self.mode) || self.mode == 'Enforce' || self.profileRef.kind == 'SeccompProfile'",message="mode Audit applies only to SeccompProfile bindings"
// +kubebuilder:validation:XValidation:rule="has(self.image) || has(self.podSelector)",message="set image, podSelector or both"
// +kubebuilder:validation:XValidation:rule="!has(self.podSelector) || !has(self.podSelector.matchExpressions) || self.podSelector.matchExpressions.all(e, (e.operator in ['In', 'NotIn'] && has(e.values) && size(e.values) > 0) || (e.operator in ['Exists', 'DoesNotExist'] && (!has(e.values) || size(e.values) == 0)))",message="podSelector.matchExpressions: operator must be In or NotIn with values, or Exists or DoesNotExist without"
type ProfileBindingSpec struct {
	// profileRef is the profile to apply.
	// +required
	ProfileRef ProfileRef `json:"profileRef"`

	// image is matched exactly against each container's image as written in
	// the pod (tag or digest included), e.g. nginx:1.19.1; "*" matches every
	// container that sets no profile of its own. Optional when podSelector
	// is set; at least one of the two is required.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=4096
	Image string `json:"image,omitempty"`

	// podSelector, when set, limits the binding to pods whose labels match
	// it ({} matches every pod). With an image, the binding applies to the
	// containers of that image in matching pods; without one (or with
	// "*"), to every container of matching pods that sets no profile of
	// its own, like "*". When several bindings of one kind match a
	// container, the most specific applies: image and podSelector, then
	// image only, then podSelector only, then "*"; among equally specific
	// ones the first by name, with a warning. A selector whose keys or
	// values are not valid label syntax matches no pod.
	// +optional
	PodSelector *metav1.LabelSelector `json:"podSelector,omitempty"`

	// mode is Enforce (the default): containers get the profile, which
	// blocks what it does not allow; or Audit: containers get the
	// profile's audit copy (operator/<namespace>/audit/<name>.json), which
	// lets every call through and logs each one the profile would have
	// blocked, and the log enricher (spod enableLogEnricher) lists those
	// calls on the SeccompProfile's status.auditedSyscalls. The stored
	// profile is unchanged. Audit applies to SeccompProfile bindings only.
	// +optional
	// +kubebuilder:default=Enforce
	Mode BindingMode `json:"mode,omitempty"`
}

// ProfileBindingStatus reports where the binding was applied.
type ProfileBindingStatus struct {
	// activeWorkloads lists the pods ("<namespace>/<name>") the binding was
	// applied to.
	// +optional
	// +listType=set
	ActiveWorkloads []string `json:"activeWorkloads,omitempty"`

	// conditions report Ready once the referenced profile exists and is
	// installed.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// ProfileBinding applies a profile at pod creation to the containers of an
// image, of pods matching a label selector, or both, in namespaces
// labelled spo.x-k8s.io/enable-binding.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
// +kubebuilder:resource:categories=security-profiles
// +kubebuilder:printcolumn:name="Kind",type=string,JSONPath=`.spec.profileRef.kind`
// +kubebuilder:printcolumn:name="Profile",type=string,JSONPath=`.spec.profileRef.name`
// +kubebuilder:printcolumn:name="Image",type=string,JSONPath=`.spec.image`
// +kubebuilder:printcolumn:name="Mode",type=string,JSONPath=`.spec.mode`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type ProfileBinding struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec names the profile and the containers it applies to.
	// +required
	Spec ProfileBindingSpec `json:"spec"`

	// status reports where the binding was applied.
	// +optional
	Status ProfileBindingStatus `json:"status,omitempty"`
}

// ProfileBindingList is a list of ProfileBindings.
// +kubebuilder:object:root=true
type ProfileBindingList struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// items are the bindings.
	Items []ProfileBinding `json:"items"`
}

func init() {
	SchemeBuilder.Register(&ProfileBinding{}, &ProfileBindingList{})
}
