// Package v1alpha1 holds the SecurityProfileNodeStatus kind: one object per
// node and namespace, written by that node's daemon, listing the node's
// state of every profile in the namespace; the manager computes each
// profile's status from them.
// +kubebuilder:object:generate=true
// +groupName=security-profiles-operator.x-k8s.io
package v1alpha1
