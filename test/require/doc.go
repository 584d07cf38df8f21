// Package require gates tests on what the machine offers (root, BTF,
// seccomp, tools). Elsewhere a missing capability skips the test; under
// CI=true it fails it, so a skip can never hide a regression on CI machines,
// which have all of them.
package require
