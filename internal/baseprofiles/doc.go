// Package baseprofiles holds the base seccomp profiles the operator ships
// (the syscalls a container runtime needs to start a container), which any
// SeccompProfile can name in baseProfileName. The same files are shipped
// as examples/baseprofile-*.yaml.
package baseprofiles
