// Package audit parses the kernel's audit records that the log enricher
// reads: seccomp records (type 1326, written for SCMP_ACT_LOG and other
// logging actions) and SELinux AVC records (type 1400). Records arrive as
// netlink messages from the audit multicast group, or as lines of
// /var/log/audit/audit.log or /var/log/syslog (kernel log).
//
// Everything here is pure: no I/O, and every parser is fuzzed. Input is
// untrusted (any process can make the kernel log a comm or an exe path),
// so a record that is truncated, forged or oversized is an error, never a
// panic, and never makes the parser allocate more than a small multiple
// of the input's size (a copy of a netlink payload, hex-decoded values, at
// most 32 permissions).
package audit
