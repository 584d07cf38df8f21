// Package localcluster drives hack/local-cluster.sh from Go tests: it brings
// a real single-node cluster (containerd, kubelet, bridge CNI, kube-proxy)
// up in a state directory, under the host-wide flock the script holds, and
// tells a test where its kubeconfig, kubelet root and containerd socket are.
package localcluster
