// Package seccompfilter is the libseccomp side of seccomp profiles:
// syscall names and numbers per architecture, validating a profile's
// names, and compiling a profile into a kernel filter that `spoc run`
// installs right before it execs a command.
//
// libseccomp 2.5.4 (Debian 12) does not know syscalls added after Linux
// 6.7, such as listmount or mseal. Their numbers are the same on every
// architecture (new syscalls share one table since Linux 5.1), so this
// package maps them itself (see newerSyscalls) and tells its callers which
// names libseccomp could not resolve instead of dropping them.
package seccompfilter
