// Package v1beta1 holds the SeccompProfile kind: a seccomp filter in the
// OCI runtime-spec shape that the node daemon installs on every node as
// <kubelet root>/seccomp/operator/<namespace>/<name>.json.
// +kubebuilder:object:generate=true
// +groupName=security-profiles-operator.x-k8s.io
package v1beta1
