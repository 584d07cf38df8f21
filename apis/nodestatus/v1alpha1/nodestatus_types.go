package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
)

// ProfileKind is the kind of profile a node state describes.
// +kubebuilder:validation:Enum=SeccompProfile;SelinuxProfile;RawSelinuxProfile;AppArmorProfile
type ProfileKind string

// SecurityProfileNodeStatus is one node's state of the profiles of one
// namespace. It is named after the node, and only that node's daemon
// writes it, coalescing the changes of a burst into one write: the number
// of these objects grows with nodes and namespaces, not with nodes times
// profiles. The node owns it, so deleting the node deletes it.
// It carries its data at the top level: the whole object is a status.
// +kubebuilder:object:root=true
// +kubebuilder:resource:shortName=spns,categories=security-profiles
// +kubebuilder:printcolumn:name="Node",type=string,JSONPath=`.nodeName`
// +kubebuilder:printcolumn:name="Profiles",type=integer,JSONPath=`.profileCount`
// +kubebuilder:printcolumn:name="Installed",type=integer,JSONPath=`.installedCount`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type SecurityProfileNodeStatus struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// nodeName is the node these states were observed on; the object's
	// name is the same.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	NodeName string `json:"nodeName"`

	// installed lists the namespace's profiles Installed on the node, each
	// as "<kind>/<name>/<uid>", sorted. One string per profile rather than
	// an object: most profiles are installed, and the API server spends a
	// quarter of the time on a string list that it spends on a list of
	// objects of the same length, on every write. Atomic, like profiles.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:items:MaxLength=320
	Installed []string `json:"installed,omitempty"`

	// profiles are the node's states of the namespace's profiles that are
	// not Installed, with reason and message, sorted by kind and name.
	// Atomic: only the node's daemon writes it, always whole, and the API
	// server then tracks one field instead of every entry's (which made
	// each write of a namespace with many profiles several times slower).
	// +optional
	// +listType=atomic
	Profiles []ProfileNodeState `json:"profiles,omitempty"`

	// profileCount is the number of profiles the node reports on, in
	// installed and profiles together.
	// +optional
	ProfileCount int32 `json:"profileCount,omitempty"`

	// installedCount is how many of them are Installed: installed's length.
	// +optional
	InstalledCount int32 `json:"installedCount,omitempty"`
}

// ProfileNodeState is a node's state of one profile.
type ProfileNodeState struct {
	// kind is the kind of the profile.
	// +required
	Kind ProfileKind `json:"kind"`

	// name is the profile's name in this object's namespace.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`

	// uid is the profile's UID: a state of an earlier profile of the same
	// name never counts for a new one.
	// +required
	UID types.UID `json:"uid"`

	// status is the profile's state on the node.
	// +required
	Status profilebasev1alpha1.ProfileState `json:"status"`

	// reason is a short UpperCamel reason for the state, e.g.
	// SeccompNotSupportedOnNode.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	Reason string `json:"reason,omitempty"`

	// message explains a state other than Installed in a sentence.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
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
