// Package seccomp is the node daemon's seccomp half: it turns each
// SeccompProfile into OCI seccomp JSON (base profiles resolved, names checked
// with libseccomp, spod's allowedSyscalls enforced), writes it atomically
// under the kubelet's seccomp root, removes it when the profile goes, and
// reports the outcome in its node's SecurityProfileNodeStatus of the namespace.
package seccomp
