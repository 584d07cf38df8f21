// Package binding is the binding.spo.io webhook: at pod creation it sets
// the seccomp profile, SELinux type or AppArmor profile of every container
// whose image a ProfileBinding in the pod's namespace names, holds the pod
// at the scheduling gate while those profiles are not installed, and
// completes the user manual's bare AppArmor annotation. A small controller
// keeps each binding's status.activeWorkloads in step with the pods it
// was applied to.
//
// The mutation itself (Mutate) is pure: the handler gathers the bindings
// and their profiles from the informer cache, Mutate decides, and the
// handler turns the decision into a JSON patch, warnings and events.
package binding
