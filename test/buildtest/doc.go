// Package buildtest builds a command with the Makefile's -X ldflags for
// internal/version, so tests can check what a released binary logs.
package buildtest
