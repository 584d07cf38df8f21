// Package v1alpha1 holds the ProfileBinding kind: it binds a seccomp or
// SELinux profile to every container of a given image, applied at pod
// admission by the binding.spo.io webhook.
// +kubebuilder:object:generate=true
// +groupName=security-profiles-operator.x-k8s.io
package v1alpha1
