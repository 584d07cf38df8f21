// Package manifests renders the install manifests under config/ with the
// kustomize API, the same way `kustomize build` would, so `make deploy`,
// the generated deploy/*.yaml, the OLM bundle and the tests all see one
// rendering without a kustomize binary.
package manifests
