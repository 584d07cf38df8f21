// Package crds proves the CRDs against the real API server: every manifest
// in the user manual applies and round-trips, the manual's spod patches keep
// every field, bad objects are refused with messages naming the field, and
// kubectl's printer columns and short names work.
package crds
