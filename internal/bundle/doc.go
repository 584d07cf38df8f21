// Package bundle builds the Operator Lifecycle Manager bundle (the
// ClusterServiceVersion, the CRDs, extra manifests, metadata/annotations.yaml
// and bundle.Dockerfile) from the objects of the kustomize default overlay,
// so the bundle installs exactly what deploy/operator.yaml installs.
package bundle
