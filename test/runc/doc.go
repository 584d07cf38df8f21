// Package runc runs a command in a real container with Debian's runc and
// a busybox-static root file system, so tests can prove a seccomp profile
// is accepted by a runtime and confines what runs under it.
package runc
