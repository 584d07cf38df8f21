// Command spoc is the Security Profiles Operator's command line for
// machines without Kubernetes: `spoc record` runs a command and records
// the seccomp profile it needs with the eBPF recorder, `spoc run` runs a
// command under a profile (with --audit: unblocked, reporting what the
// profile would have denied), `spoc merge` unites profiles, and `spoc
// version` prints build details.
//
// Exit codes: the command's own exit code (128+N when a signal N killed
// it), 2 for usage errors, 125 when spoc itself failed, and 1 when `spoc
// merge -c` finds the file is not the merge result.
package main
