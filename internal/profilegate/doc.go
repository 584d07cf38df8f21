// Package profilegate names the operator profiles a pod waits for at the
// spo.x-k8s.io/profiles-installed scheduling gate and reads whether each
// is installed. The binding webhook, which puts the gate on a pod, and the
// manager's pod gate controller, which takes it off, both use it, so they
// agree on what a pod waits for.
package profilegate
