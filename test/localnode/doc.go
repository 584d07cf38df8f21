// Package localnode proves the local cluster (hack/local-cluster.sh) is a
// real node: a Localhost seccomp profile under the kubelet root confines a
// busybox pod, pods reach the API server through the kubernetes Service, and
// down leaves the host as it found it. Root only; skips elsewhere and fails
// under CI=true.
package localnode
