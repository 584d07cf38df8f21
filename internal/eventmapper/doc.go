// Package eventmapper reports the watch events a controller's map function
// (handler.EnqueueRequestsFromMapFunc) could not map: it logs each failure
// and counts it in security_profiles_operator_event_mapper_errors_total
// under the controller's name.
//
// A failed map is not retried. The map functions List from the manager's
// cache, which fails only when the cache cannot serve the kind or index at
// all (missing RBAC, CRD or index): a retry would fail alike, and the
// lost requests come back with the next event of their objects or a
// restart of the process. What must not happen is that the loss goes
// unseen, so each one is logged and counted for an alert.
package eventmapper
