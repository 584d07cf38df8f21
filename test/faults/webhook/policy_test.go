package webhookfaults

import (
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
)

// webhookOf is the webhook whose namespace selector a kind matches, ""
// for none.
func webhookOf(kind nsKind) string {
	switch kind {
	case bindingNS:
		return spodv1alpha1.BindingWebhookName
	case recordingNS:
		return spodv1alpha1.RecordingWebhookName
	}
	return ""
}

// refusal returns why err is not the refusal the README documents for a
// webhook that cannot be reached, or "" when it is. strict also requires
// the cause the API server reports once nothing listens on the port.
func refusal(err error, webhook string, strict bool) string {
	if err == nil {
		return "admitted, want refused"
	}
	want := fmt.Sprintf("Internal error occurred: failed calling webhook %q: ", webhook)
	switch {
	case !apierrors.IsInternalError(err):
		return fmt.Sprintf("error is not an InternalError: %v", err)
	case !strings.HasPrefix(err.Error(), want):
		return fmt.Sprintf("error %q does not start with %q", err, want)
	case strict && !strings.HasSuffix(err.Error(), "connect: connection refused"):
		return fmt.Sprintf("error %q does not end in %q", err, "connect: connection refused")
	}
	return ""
}

// failVerdict returns why a, made while the webhook was killed and with
// failurePolicy Fail on both webhooks, broke that policy, or "" when it
// did not. A pod answered before the kill is admitted and mutated as
// usual; one sent after the process was gone is refused in a labelled
// namespace; one in flight across the kill may go either way, but in the
// binding namespace it is never admitted without its profile. A pod in an
// unlabelled namespace is admitted untouched whatever the webhook does.
func failVerdict(a attempt) string {
	webhook := webhookOf(a.fixture.kind)
	switch {
	case webhook == "":
		if a.err != nil {
			return fmt.Sprintf("refused in an unlabelled namespace: %v", a.err)
		}
		if !untouched(a.pod) {
			return "mutated in an unlabelled namespace"
		}
		return ""
	case a.startEpoch == epochDown:
		return refusal(a.err, webhook, true)
	case a.err != nil && a.endEpoch == epochUp:
		return fmt.Sprintf("refused while the webhook served: %v", a.err)
	case a.err != nil:
		return refusal(a.err, webhook, false)
	}
	return admittedVerdict(a, true)
}

// admittedVerdict returns why an admitted pod is not what its namespace
// gets with the webhook answering (bound) or ignored (!bound), or "".
func admittedVerdict(a attempt, bound bool) string {
	if a.err != nil {
		return fmt.Sprintf("refused: %v", a.err)
	}
	if a.fixture.kind == bindingNS {
		if bound && !a.fixture.bound(a.pod) {
			return "admitted without its bound profile"
		}
		if !bound && !untouched(a.pod) {
			return "admitted mutated, want untouched"
		}
		return ""
	}
	// binding.spo.io is not called outside its labelled namespaces, and
	// recording.spo.io does nothing to a pod no ProfileRecording selects.
	if !untouched(a.pod) {
		return "mutated outside the binding namespace"
	}
	return ""
}
