// Package auditnetlink reads the kernel's audit records from the audit
// multicast group (AUDIT_NLGRP_READLOG) of a NETLINK_AUDIT socket. The
// kernel sends every record there, besides auditd's unicast socket and
// the printk fallback, whether auditd runs or not.
//
// Two things make such a socket useful: CAP_AUDIT_READ, which the kernel
// checks when the socket joins the group, and the host's initial network
// namespace, the only one the kernel multicasts records to. Open refuses
// a namespace it can prove is another one (Linux 6.18 and later number
// the initial one), since a socket there would open fine and never
// receive anything; on older kernels it only warns.
//
// A Socket hands out the netlink messages of the datagrams it reads one
// at a time. The log enricher (daemon/enricher) and spoc run --audit
// both read records through it.
package auditnetlink
