// Package envtest starts the real control plane (etcd and kube-apiserver,
// built from source by hack/k8s-binaries.sh) with the operator's CRDs
// installed, for every Ginkgo suite and for `make run-local`.
package envtest
