// Package v1alpha1 holds the AppArmorProfile kind: an AppArmor policy loaded
// on every node when spod enables AppArmor.
// +kubebuilder:object:generate=true
// +groupName=security-profiles-operator.x-k8s.io
package v1alpha1
