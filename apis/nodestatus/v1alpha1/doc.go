// Package v1alpha1 holds the SecurityProfileNodeStatus kind: one object per
// (profile, node), written by that node's daemon and owned by the profile,
// from which the manager computes the profile's status.
// +kubebuilder:object:generate=true
// +groupName=security-profiles-operator.x-k8s.io
package v1alpha1
