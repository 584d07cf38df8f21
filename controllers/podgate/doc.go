// Package podgate is the manager's pod gate controller. It releases the
// spo.x-k8s.io/profiles-installed scheduling gate that the binding webhook
// puts on a pod whose operator-managed profiles are not Installed yet:
// seccomp profiles, SELinux types of SelinuxProfiles and
// RawSelinuxProfiles, and Localhost AppArmor profiles named like an
// AppArmorProfile.
//
// Without the gate the scheduler places such a pod at once, and the
// kubelet starts it on a node where the daemon has not installed the
// profile yet: the container fails with CreateContainerError and only
// backs off and retries. Held by the gate, the pod is not scheduled until
// every profile of ours it references is Installed on every node.
// Meanwhile the pod's spo.x-k8s.io/ProfilesInstalled condition and Warning
// Events say which profiles it waits for and why; turning
// enableSchedulingGates off in spod releases every held pod, so the
// feature can never leave pods stuck.
package podgate
