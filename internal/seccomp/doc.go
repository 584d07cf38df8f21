// Package seccomp is the pure logic around seccomp profiles: the OCI
// seccomp JSON that container runtimes read (EncodeOCI is the one writer
// every component uses), conversion to and from the SeccompProfile CRD,
// the base syscalls a container runtime needs, and merging of syscall
// sets. It does no I/O and needs neither libseccomp nor the kernel;
// name validation against an architecture's syscall table lives in
// internal/seccompfilter.
package seccomp
