// Package daemon is the root of the node agent's packages, one per concern
// below it (daemon/<concern>): seccomp file installs, SELinux through
// selinuxd, AppArmor, node status, the log enricher.
package daemon
