// Package v1alpha2 holds the SelinuxProfile kind (a structured SELinux
// policy translated to CIL) and the RawSelinuxProfile kind (raw CIL), both
// installed on every node through selinuxd.
// +kubebuilder:object:generate=true
// +groupName=security-profiles-operator.x-k8s.io
package v1alpha2
