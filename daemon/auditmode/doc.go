// Package auditmode turns the audit records of containers that run a
// SeccompProfile's audit copy (ProfileBinding mode: Audit) into the
// profile's status.auditedSyscalls: which calls the profile would have
// blocked, per image, with counts and first and last sightings. Calls are
// gathered in memory and written in batches, one status update per
// profile per interval, so a busy container costs the API server a write
// every few seconds, not one per call. Every node's log enricher adds its
// own counts to the same list, retrying on conflicts.
package auditmode
