// Package install checks the install paths a cluster admin uses: the
// kustomize overlays under config/, the generated deploy/*.yaml, the Helm
// chart and the OLM bundle, against a real API server.
package install
