// Package apparmor is the node daemon's AppArmor half: it loads each
// AppArmorProfile the manager has validated into this node's kernel with
// apparmor_parser (after validating it once more against the node's own
// feature ABI), removes it when the profile is disabled or deleted, and
// reports the outcome in its node's SecurityProfileNodeStatus of the namespace.
package apparmor
