// Package webhookconfig builds the MutatingWebhookConfiguration
// spo-mutating-webhook-configuration that routes pod creations to the
// binding.spo.io and recording.spo.io webhooks, with spod's webhookOptions
// applied and, for a namespace-restricted install, limited to the
// namespaces the manager watches (Scope). It is pure: the caller supplies how the API server reaches the
// webhook (a Service or a URL, and the CA bundle) and applies the result.
package webhookconfig
