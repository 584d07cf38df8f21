// Package webhookfaults is the fault suite's "webhook pods down" case. It
// runs the real webhook binary (cmd/webhook) behind a real API server
// (envtest) with the MutatingWebhookConfiguration that
// internal/webhookconfig builds, SIGKILLs it while pods are being created,
// and proves that the failurePolicy, and nothing else, decides what
// happens to a pod while no replica answers:
//
//   - with Fail (the default) a pod in a namespace labelled for
//     binding.spo.io or recording.spo.io is refused with an error naming
//     the webhook, and no pod is ever admitted there without its bound
//     profile;
//   - a pod in an unlabelled namespace is admitted unchanged;
//   - with binding.spo.io switched to Ignore through spod's
//     webhookOptions, pods in the binding namespace are admitted without
//     the profile, while recording.spo.io keeps refusing;
//   - once the webhook is started again, mutation resumes without
//     restarting the API server;
//   - every pod whose creation was acknowledged still exists, and no
//     refused pod does.
//
// The package holds tests only.
package webhookfaults
