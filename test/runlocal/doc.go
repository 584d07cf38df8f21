// Package runlocal drives `make run-local` the way a newcomer does: bring it
// up, use kubectl against it, bring it down, and check nothing is left.
package runlocal
