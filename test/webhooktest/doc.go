// Package webhooktest runs one of our webhooks behind a real API server for
// the webhook packages' Ginkgo suites and the webhook benchmark: envtest
// with the webhook configuration from internal/webhookconfig installed
// through WebhookInstallOptions, and a manager serving the webhook that a
// test can stop and start again.
package webhooktest
