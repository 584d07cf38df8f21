// Package selinuxcil turns SELinux profiles into the CIL text that
// selinuxd installs: Translate writes the policy of a SelinuxProfile and
// Raw checks and wraps the policy of a RawSelinuxProfile.
//
// Both the manager (to report bad input on the object before any node sees
// it) and the node daemon (before it writes a file for selinuxd) call them,
// so they are pure and deterministic: the same object always gives the same
// bytes. Every object is untrusted, even one that passed the CRD's OpenAPI
// validation (it may predate the current CRD), so every name, key and
// permission is checked again here, and anything that could change the
// structure of the policy, or reach outside the profile's own CIL block,
// is an *InvalidError.
package selinuxcil
