// Package server serves the webhooks' admission handlers over HTTP with
// the guarantees both need: panic recovery, a time budget, and internal
// errors reported as HTTP failures so the API server applies the webhook's
// failurePolicy (Ignore admits the pod unchanged) instead of reading them
// as a denial. It also owns the webhook's Prometheus metrics and the cache
// options that keep the webhook's pod cache small.
package server
