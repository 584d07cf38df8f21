// Package podpatch turns the changes a webhook wants on a pod (a
// container's seccomp profile, SELinux type or AppArmor profile, labels,
// annotations) into a minimal RFC 6902 JSON patch against that pod: one
// operation per field that really changes, none for a field that already
// has the wanted value, so applying the patch twice or to an already
// mutated pod is a no-op.
package podpatch
