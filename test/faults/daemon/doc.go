// Package daemonfaults is the fault suite's node-daemon cases. It runs the
// real daemon binary (cmd/daemon) as root against a real API server
// (envtest), injects a fault while profiles are being installed, and
// proves what the kubelet and the container runtime can rely on:
//
//   - SIGKILL while the daemon writes 200 SeccompProfiles, at a moment it
//     has a temporary file open: a reader polling the kubelet's
//     seccomp/operator directory the whole time never sees a truncated or
//     partial profile; after a restart every profile is Installed, every
//     file (profile and audit copy) holds exactly what the daemon's
//     encoder renders for it, and no temporary file is left behind;
//   - a full disk (a small tmpfs as the profile storage): an update that
//     no longer fits leaves the old file complete and in place, the node
//     status reads Error with reason CannotSaveSeccompProfile and a
//     Warning Event says why, no temporary file is left, and once space
//     is freed the daemon retries on its own and installs the new
//     content.
//
// The package holds tests only.
package daemonfaults
