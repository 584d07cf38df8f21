package v1alpha2

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
)

// SelfLabel stands for the profile's own process type in an allow rule, so
// one policy can be reused across names and namespaces.
const SelfLabel = "@self"

// PolicyKind is the kind of policy a SelinuxProfile inherits from.
// +kubebuilder:validation:Enum=System;SelinuxProfile
type PolicyKind string

// The kinds a SelinuxProfile can inherit from.
const (
	// PolicyKindSystem is a policy already on the nodes, allowed by spod's
	// spec.selinuxOptions.allowedSystemProfiles (e.g. container).
	PolicyKindSystem PolicyKind = "System"
	// PolicyKindSelinuxProfile is another SelinuxProfile in the same
	// namespace.
	PolicyKindSelinuxProfile PolicyKind = "SelinuxProfile"
)

// PolicyRef names a policy to inherit from.
type PolicyRef struct {
	// kind is System for a policy on the nodes, or SelinuxProfile for another
	// profile in the same namespace.
	// +optional
	// +kubebuilder:default=System
	Kind PolicyKind `json:"kind,omitempty"`

	// name is the policy's name.
	// +required
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-zA-Z0-9_.-]+$`
	Name string `json:"name"`
}

// LabelKey is an SELinux type, or @self for the profile's own process type.
// Types may name another profile's type, e.g. foo_ns.process.
// +kubebuilder:validation:Pattern=`^(@self|[a-zA-Z0-9._-]+)$`
type LabelKey string

// ObjectClassKey is an SELinux object class such as tcp_socket or file.
// +kubebuilder:validation:Pattern=`^[a-z0-9_]+$`
type ObjectClassKey string

// PermissionSet lists permissions on an object class, e.g. [listen].
// +listType=set
// +kubebuilder:validation:MaxItems=64
type PermissionSet []Permission

// Permission is one SELinux permission such as read or name_bind.
// +kubebuilder:validation:Pattern=`^[a-z0-9_]+$`
// +kubebuilder:validation:MaxLength=64
type Permission string

// Allow maps a target type to object classes to the permissions granted on
// them, e.g. {"@self": {"tcp_socket": ["listen"]}}.
type Allow map[LabelKey]ObjectClassPermissions

// ObjectClassPermissions maps an object class to the permissions granted on
// it.
// +kubebuilder:validation:MaxProperties=64
// +kubebuilder:validation:XValidation:rule="self.all(c, c.matches('^[a-z0-9_]{1,64}$'))",message="object classes must be SELinux class names (lowercase letters, digits, _)"
type ObjectClassPermissions map[ObjectClassKey]PermissionSet

// SelinuxProfileSpec is a structured SELinux policy.
type SelinuxProfileSpec struct {
	// disabled keeps the profile in the API but off the nodes; the
	// profile reads Disabled. Every node removes its copy, and clearing
	// the switch installs it again.
	// +optional
	Disabled bool `json:"disabled,omitempty"`

	// inherit lists the policies this one builds on; a system policy must be
	// allowed in spod's spec.selinuxOptions.allowedSystemProfiles. Unset, it
	// is the system policy container.
	// +optional
	// +listType=atomic
	// +kubebuilder:default={{kind: System, name: container}}
	// +kubebuilder:validation:MaxItems=16
	Inherit []PolicyRef `json:"inherit,omitempty"`

	// allow grants the profile's process permissions on object classes of
	// target types. Types, classes and permissions are plain SELinux
	// identifiers, so nothing in them can change the generated policy's
	// structure.
	// +optional
	// +kubebuilder:validation:MaxProperties=128
	// +kubebuilder:validation:XValidation:rule="self.all(t, t == '@self' || t.matches('^[a-zA-Z0-9._-]{1,128}$'))",message="allow keys must be @self or SELinux type names (letters, digits, '.', '_', '-')"
	Allow Allow `json:"allow,omitempty"`

	// permissive makes the policy log denials instead of enforcing them.
	// +optional
	Permissive bool `json:"permissive,omitempty"`
}

// SelinuxProfileStatus reports where the policy is installed.
type SelinuxProfileStatus struct {
	profilebasev1alpha1.StatusBase `json:",inline"`

	// usage is the SELinux type to put in a container's
	// securityContext.seLinuxOptions.type: "<name>_<namespace>.process".
	// +optional
	Usage string `json:"usage,omitempty"`

	// activeWorkloads lists the pods ("<namespace>/<name>") that run with
	// this policy's type; while it is not empty the profile cannot be
	// deleted.
	// +optional
	// +listType=set
	ActiveWorkloads []string `json:"activeWorkloads,omitempty"`
}

// SelinuxProfile is an SELinux policy installed on every node by selinuxd.
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
// +kubebuilder:resource:categories=security-profiles
// +kubebuilder:printcolumn:name="Usage",type=string,JSONPath=`.status.usage`
// +kubebuilder:printcolumn:name="State",type=string,JSONPath=`.status.status`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
type SelinuxProfile struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard object metadata.
	// +optional
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// spec is the policy.
	// +required
	Spec SelinuxProfileSpec `json:"spec"`

	// status reports the policy's state on the nodes.
	// +optional
	Status SelinuxProfileStatus `json:"status,omitempty"`
}

// SelinuxProfileList is a list of SelinuxProfiles.
// +kubebuilder:object:root=true
type SelinuxProfileList struct {
	metav1.TypeMeta `json:",inline"`
	// metadata is the standard list metadata.
	// +optional
	metav1.ListMeta `json:"metadata,omitempty"`
	// items are the profiles.
	Items []SelinuxProfile `json:"items"`
}

func init() {
	SchemeBuilder.Register(&SelinuxProfile{}, &SelinuxProfileList{})
}
