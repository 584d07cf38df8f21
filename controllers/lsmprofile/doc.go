// Package lsmprofile is the manager's controller for the LSM profile kinds
// the nodes load into the kernel's security modules: SelinuxProfile,
// RawSelinuxProfile and AppArmorProfile. One reconciler, parameterised by
// kind, validates each generation before any node acts on it, aggregates
// the nodes' SecurityProfileNodeStatus objects (one per node and namespace) into the profile's status,
// and holds the in-use finalizer while running pods use the profile.
package lsmprofile
