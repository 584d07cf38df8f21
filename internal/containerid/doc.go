// Package containerid finds the container a process belongs to from the
// content of /proc/<pid>/cgroup, and splits the container IDs the kubelet
// reports in a pod's containerStatuses. Pure functions, fuzzed: the cgroup
// file of any process on the node is read, and its paths are chosen by
// whoever created the cgroups.
package containerid
