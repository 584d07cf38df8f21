// Package spodpatches holds the bodies of the manual's
// `kubectl patch spod spod --type=merge -p …` commands, shared by the CRD
// tests (each body is accepted and kept) and the spod controller's tests
// (each body takes effect on what the operator deploys).
package spodpatches
