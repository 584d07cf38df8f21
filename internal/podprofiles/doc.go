// Package podprofiles finds the operator-managed seccomp profiles a pod
// uses, from its security contexts and the legacy seccomp annotations.
package podprofiles
