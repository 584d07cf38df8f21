// Package runlocal drives `make run-local-processes` (the operator as local
// processes against a local control plane) the way a developer does: bring it
// up, use kubectl against it, bring it down, and check nothing is left.
package runlocal
