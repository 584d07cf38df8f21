// Package spod reconciles the operator's configuration object, the
// SecurityProfilesOperatorDaemon named spod: it creates the default spod,
// deploys the node daemon DaemonSet, the webhook Deployment and Service, the
// MutatingWebhookConfiguration and the metrics Service (plus a
// ServiceMonitor when prometheus-operator is installed) from its spec, and
// reports the rollout in its status. Without cert-manager it issues the
// webhook and metrics serving certificates from a CA of its own, renews
// them and sets the webhooks' caBundle (selfsigned.go, servingcerts.go).
//
// Every desired object is built from scratch by a pure function on each
// pass and written with server-side apply, so the manager owns exactly the
// fields it sets and fields other parties add (a CA bundle injected by
// cert-manager, a label added by a platform) never cause endless updates.
package spod
