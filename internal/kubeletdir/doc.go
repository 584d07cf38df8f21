// Package kubeletdir resolves a node's kubelet root directory, where the
// kubelet looks for Localhost seccomp profiles (<root>/seccomp/...).
package kubeletdir
