// Package v1alpha1 holds the ProfileRecording kind: it marks pods for
// recording at admission and turns what their containers did into profiles.
// +kubebuilder:object:generate=true
// +groupName=security-profiles-operator.x-k8s.io
package v1alpha1
