// Package seccompprofile is the manager's SeccompProfile controller: it
// aggregates the nodes' SecurityProfileNodeStatus objects into the
// profile's status, tracks the pods that use the profile and holds the
// in-use finalizer while any do.
package seccompprofile
