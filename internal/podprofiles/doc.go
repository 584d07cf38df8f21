// Package podprofiles finds the security profiles a pod uses: the
// operator-managed seccomp profiles (security contexts and the legacy
// annotations), the SELinux types and the Localhost AppArmor profiles.
package podprofiles
