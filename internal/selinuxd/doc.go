// Package selinuxd is the node daemon's side of selinuxd, the node service
// that installs SELinux policy modules.
//
// The two meet at two places. Policies go in as files: the daemon drops
// <policy>.cil into the directory selinuxd watches (PolicyDir, by default
// /etc/selinux.d); selinuxd installs each new or changed file with the
// node's policy tools and removes the module when the file is deleted.
// Verdicts come back over HTTP on a UNIX socket (Client, by default
// /var/run/selinuxd/selinuxd.sock):
//
//	GET /ready              200 {"ready": true|false}
//	GET /policies/          200 ["<policy>", ...], the installed policies
//	GET /policies/<policy>  200 {"status": "Installed"|"Failed", "msg": "..."}
//	                        404 when selinuxd has not seen that policy
//	anything else           400
//
// The policy name is the file name without ".cil".
//
// selinuxd ships no Go client we could import (it is neither a Go module
// nor a package here), and its API is small, so we speak the protocol
// ourselves. Owning the client also lets us treat selinuxd as untrusted
// input: bodies are bounded, answers are checked, and errors say whether
// selinuxd could not be reached (ErrUnavailable, worth a retry) or
// answered with something we cannot use (ErrBadResponse). Policy names
// become file names and URL paths, so every one is checked by
// ValidPolicyName first.
//
// Package selinuxdtest serves the same protocol for tests, installing
// policies into a copy of a real policy store.
package selinuxd
