package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
)

// ProfileKind is the kind of profile a node status describes.
// +kubebuilder:validation:Enum=SeccompProfile;SelinuxProfile;RawSelinuxProfile;AppArmorProfile
type ProfileKind string

// SecurityProfileNodeStatus is one node's state of one profile. The node's
// daemon writes it; the profile owns it, so deleting the profile deletes it.
// It carries its data at the top level: the whole object is a status.
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=spns,categories=security-profiles
// +kubebuilder:printcolumn:name="Kind",type=string,JSONPath=`.profileKind`
// +kubebuilder:printcolumn:name="Node",type=string,JSONPath=`.nodeName`
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type SecurityProfileNodeStatus struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// nodeName is the node this state was observed on.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	NodeName string `json:"nodeName"`

	// profileKind is the kind of the profile.
	// +required
	ProfileKind ProfileKind `json:"profileKind"`

	// profileName is the profile's name in this object's namespace.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	ProfileName string `json:"profileName"`

	// status is the profile's state on the node.
	// +optional
	Status profilebasev1alpha1.ProfileState `json:"status,omitempty"`

	// reason is a short UpperCamel reason for the state, e.g.
	// SeccompNotSupportedOnNode.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	Reason string `json:"reason,omitempty"`

	// message explains the state in a sentence.
	// +optional
	// +kubebuilder:validation:MaxLength=4096
	Message string `json:"message,omitempty"`
}

// SecurityProfileNodeStatusList is a list of SecurityProfileNodeStatuses.
// +kubebuilder:object:root=true
type SecurityProfileNodeStatusList struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// items are the node states.
	Items []SecurityProfileNodeStatus `json:"items"`
}

func init() {
	SchemeBuilder.Register(&SecurityProfileNodeStatus{}, &SecurityProfileNodeStatusList{})
}
