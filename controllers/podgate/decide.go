package podgate

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	"github.com/securityprofiles/operator/internal/profilegate"
)

// Reasons of the pod's ProfilesInstalled condition and of the Events on
// the pod.
const (
	// ReasonInstalled: every profile the pod uses is Installed.
	ReasonInstalled = "ProfilesInstalled"
	// ReasonGatesDisabled: spod's enableSchedulingGates is false, so the
	// pod is released without waiting.
	ReasonGatesDisabled = "SchedulingGatesDisabled"
	// ReasonNotInstalled: a profile exists but is not Installed yet.
	ReasonNotInstalled = "ProfileNotInstalled"
	// ReasonNotFound: a profile the pod references does not exist.
	ReasonNotFound = "ProfileNotFound"
	// ReasonError: a profile is in the Error state.
	ReasonError = "ProfileError"
)

// Actions of the Events on the pod.
const (
	ActionRelease = "Release"
	ActionHold    = "Hold"
)

const (
	// maxMessage bounds the condition message, which is also the note of
	// the Event: events.k8s.io refuses notes over 1 kB.
	maxMessage = 1024
	// maxItem bounds what one profile adds to the message, so a long
	// Ready message of one profile cannot hide the others.
	maxItem = 256
)

// Profile is what the reconciler read about one profile a pod uses.
type Profile = profilegate.Profile

// Decision is whether the gate goes, and what the pod's condition says.
type Decision struct {
	Release bool
	Reason  string
	Message string
}

// Decide releases a pod when gating is disabled or every profile it uses
// is Installed. Otherwise the message names every profile that is not,
// sorted, and the reason is the most pressing one: a missing profile, then
// one in Error, then one still on its way.
func Decide(profiles []Profile, gatesEnabled bool) Decision {
	if !gatesEnabled {
		return Decision{Release: true, Reason: ReasonGatesDisabled,
			Message: "scheduling gates are disabled in spod, the pod does not wait for its profiles"}
	}
	sorted := slices.SortedFunc(slices.Values(profiles), func(a, b Profile) int {
		return strings.Compare(a.Name(), b.Name())
	})
	reason := ""
	var waiting []string
	for _, p := range sorted {
		r, msg := check(p)
		if r == "" {
			continue
		}
		waiting = append(waiting, truncate(msg, maxItem))
		if severity(r) > severity(reason) {
			reason = r
		}
	}
	switch {
	case reason != "":
		return Decision{Reason: reason, Message: join(waiting, maxMessage)}
	case len(profiles) == 0:
		return Decision{Release: true, Reason: ReasonInstalled, Message: "the pod uses no operator-managed profile"}
	default:
		return Decision{Release: true, Reason: ReasonInstalled, Message: "every profile the pod uses is installed"}
	}
}

// check returns why a profile holds the pod back, or "" when it does not.
func check(p Profile) (reason, message string) {
	name := p.Name()
	switch {
	case !p.Found:
		return ReasonNotFound, name + " does not exist"
	case p.Deleting:
		return ReasonNotInstalled, name + " is " + string(profilebasev1alpha1.StateTerminating)
	case p.Partial:
		return ReasonNotInstalled, name + " is a partial recorded profile, which is never installed: use the merged profile"
	case p.State == profilebasev1alpha1.StateInstalled:
		return "", ""
	}
	state := p.State
	if state == "" {
		state = profilebasev1alpha1.StatePending
	}
	reason = ReasonNotInstalled
	if state == profilebasev1alpha1.StateError {
		reason = ReasonError
	}
	message = name + " is " + string(state)
	if p.Ready != nil && p.Ready.Reason != "" && p.Ready.Reason != string(state) {
		message += ": " + p.Ready.Reason
	}
	if p.Ready != nil && p.Ready.Message != "" {
		message += ": " + p.Ready.Message
	}
	return reason, message
}

func severity(reason string) int {
	switch reason {
	case ReasonNotFound:
		return 3
	case ReasonError:
		return 2
	case ReasonNotInstalled:
		return 1
	}
	return 0
}

// join joins items with "; " into at most limit bytes, ending in "and N
// more" when not all of them fit.
func join(items []string, limit int) string {
	var b strings.Builder
	for i, it := range items {
		rest := len(items) - i
		tail := ""
		if rest > 1 {
			tail = fmt.Sprintf("; and %d more", rest-1)
		}
		sep := ""
		if i > 0 {
			sep = "; "
		}
		// Room is kept for the "and N more" of the items after this one.
		if b.Len()+len(sep)+len(it)+len(tail) > limit {
			if i == 0 {
				return truncate(it, limit)
			}
			fmt.Fprintf(&b, "; and %d more", rest)
			return b.String()
		}
		b.WriteString(sep + it)
	}
	return b.String()
}

// truncate cuts s to at most n bytes on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	const mark = "..."
	cut := n - len(mark)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}
