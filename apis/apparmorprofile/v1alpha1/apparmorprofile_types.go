package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
)

// AppArmorProfileSpec carries the policy text.
type AppArmorProfileSpec struct {
	// disabled keeps the profile in the API but off the nodes; the
	// profile reads Disabled. Every node removes its copy, and clearing
	// the switch installs it again.
	// +optional
	Disabled bool `json:"disabled,omitempty"`

	// policy is the AppArmor policy as apparmor_parser reads it. The profile
	// it declares must be named like this object's metadata.name, which is
	// how pods refer to it (container.apparmor.security.beta.kubernetes.io/
	// <container>: <name>).
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1048576
	Policy string `json:"policy"`
}

// AppArmorProfileStatus reports where the policy is loaded.
type AppArmorProfileStatus struct {
	profilebasev1alpha1.StatusBase `json:",inline"`

	// activeWorkloads lists the pods ("<namespace>/<name>") that run with
	// this profile; while it is not empty the profile cannot be deleted.
	// +optional
	// +listType=set
	ActiveWorkloads []string `json:"activeWorkloads,omitempty"`
}

// AppArmorProfile is an AppArmor policy loaded on every node.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
// +kubebuilder:resource:shortName=aa,categories=security-profiles
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type AppArmorProfile struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the policy.
	// +required
	Spec AppArmorProfileSpec `json:"spec"`

	// status reports the policy's state on the nodes.
	// +optional
	Status AppArmorProfileStatus `json:"status,omitempty"`
}

// AppArmorProfileList is a list of AppArmorProfiles.
// +kubebuilder:object:root=true
type AppArmorProfileList struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// items are the profiles.
	Items []AppArmorProfile `json:"items"`
}

func init() {
	SchemeBuilder.Register(&AppArmorProfile{}, &AppArmorProfileList{})
}
