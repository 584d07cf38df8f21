// Package webhooks is the root of the mutating admission webhooks served by
// cmd/webhook: binding/ (binding.spo.io) and recording/ (recording.spo.io).
package webhooks
