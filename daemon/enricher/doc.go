// Package enricher is the node's log enricher: it reads the kernel's
// seccomp and SELinux AVC audit records, finds the pod and container of the
// process each record is about, and reports it as a log line, as
// Prometheus counters and to an optional Sink (log-based profile
// recording).
//
// Records come from the first Source that works: the kernel's audit
// multicast group over netlink (lossless with a large receive buffer, no
// auditd needed, but only in the host's initial network namespace and with
// CAP_AUDIT_READ), then /var/log/audit/audit.log, then /var/log/syslog,
// both followed like `tail -F` from their end.
//
// Everything a record carries is untrusted: the kernel writes the comm and
// exe of any process, and anyone on the node can write lookalike lines to
// syslog. Records are length-limited, parsed by internal/audit, and
// attributed only through /proc/<pid>/cgroup and the caller's Resolver;
// caches and metric label sets are bounded so a flood of records cannot
// grow memory. Records that cannot be used are counted in
// security_profiles_operator_enricher_records_skipped_total by reason, and
// records the kernel dropped before they were read in
// security_profiles_operator_enricher_records_dropped_total.
package enricher
