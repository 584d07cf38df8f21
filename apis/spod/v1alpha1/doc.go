// Package v1alpha1 holds the SecurityProfilesOperatorDaemon kind (short name
// spod): the operator's own configuration, from which the manager builds the
// node DaemonSet, the webhook and the metrics objects.
// +kubebuilder:object:generate=true
// +groupName=security-profiles-operator.x-k8s.io
package v1alpha1
