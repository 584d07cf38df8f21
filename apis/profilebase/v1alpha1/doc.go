// Package v1alpha1 holds what every profile kind shares: the ProfileState
// enumeration, the status block with the Ready condition, and the functions
// that keep them in step.
// +kubebuilder:object:generate=true
package v1alpha1
