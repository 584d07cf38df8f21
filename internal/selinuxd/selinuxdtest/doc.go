// Package selinuxdtest runs a stand-in for selinuxd in tests: it watches a
// policy directory, installs each <policy>.cil with semodule into a copy of
// Debian's real policy store (never the host's), removes the module when
// the file goes, and serves the results with selinuxd's HTTP API on a UNIX
// socket. The node daemon's tests point their selinuxd client and policy
// directory at it, so they prove against real policy tooling that a
// profile installs, or fails with the message semodule gives.
//
// The server speaks the protocol from its own description (see package
// selinuxd), not through the client's types, so a test also proves that
// the client understands the wire format.
//
// semodule rebuilds the whole policy on every install or removal, which
// takes several seconds on two cores: tests should install few policies,
// and one semodule runs at a time in a test binary.
package selinuxdtest
