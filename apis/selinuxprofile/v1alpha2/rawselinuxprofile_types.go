package v1alpha2

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// RawSelinuxProfileSpec carries a policy in CIL as written, for policies
// that already exist (e.g. made with udica).
type RawSelinuxProfileSpec struct {
	// disabled keeps the profile in the API but off the nodes; the
	// profile reads Disabled. Every node removes its copy, and clearing
	// the switch installs it again.
	// +optional
	Disabled bool `json:"disabled,omitempty"`

	// policy is the CIL text. It must define a block named
	// "<name>_<namespace>" so two namespaces cannot overwrite each other.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1048576
	Policy string `json:"policy"`
}

// RawSelinuxProfile is an SELinux policy in raw CIL installed on every node
// by selinuxd. It cannot be used in a ProfileBinding.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
// +kubebuilder:resource:categories=security-profiles
// +kubebuilder:printcolumn:name="Usage",type=string,JSONPath=`.status.usage`
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.status.status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type RawSelinuxProfile struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the policy.
	// +required
	Spec RawSelinuxProfileSpec `json:"spec"`

	// status reports the policy's state on the nodes.
	// +optional
	Status SelinuxProfileStatus `json:"status,omitempty"`
}

// RawSelinuxProfileList is a list of RawSelinuxProfiles.
// +kubebuilder:object:root=true
type RawSelinuxProfileList struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// items are the profiles.
	Items []RawSelinuxProfile `json:"items"`
}

func init() {
	SchemeBuilder.Register(&RawSelinuxProfile{}, &RawSelinuxProfileList{})
}
