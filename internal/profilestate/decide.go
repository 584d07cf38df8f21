package profilestate

import (
	"fmt"
	"sort"
	"strings"

	"github.com/securityprofiles/operator/apis/keys"
	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
)

// Aggregate is the profile-wide state computed from the nodes.
type Aggregate struct {
	State   profilebasev1alpha1.ProfileState
	Reason  string
	Message string
}

// ReasonPartial is the Ready reason of a partial profile.
const ReasonPartial = "Partial"

// PartialOf returns the ProfileRecording a partial profile waits for, or ""
// when the labels do not mark the profile partial.
func PartialOf(labels map[string]string) string {
	if labels[keys.PartialLabel] != "true" {
		return ""
	}
	if r := labels[keys.RecordingIDLabel]; r != "" {
		return r
	}
	return "(none named in " + keys.RecordingIDLabel + ")"
}

// Decide turns the node states of the nodes that exist into the profile's
// state: the lowest over all nodes, where a node that has not reported yet
// counts as Pending. Reason and message name the nodes holding it back.
// A partial profile (partialOf, see PartialOf, is not empty) is never
// installed, so its nodes do not count: it is Partial until its recording
// merges it.
func Decide(nodes []string, statuses []nodestatusv1alpha1.SecurityProfileNodeStatus, deleting bool, inUse int, partialOf string) Aggregate {
	if deleting {
		return Aggregate{State: profilebasev1alpha1.StateTerminating, Reason: "InUse",
			Message: fmt.Sprintf("waiting for %d pod(s) using the profile to go", inUse)}
	}
	if partialOf != "" {
		return Aggregate{State: profilebasev1alpha1.StatePartial, Reason: ReasonPartial,
			Message: "waiting to be merged by ProfileRecording " + partialOf}
	}
	if len(nodes) == 0 {
		return Aggregate{State: profilebasev1alpha1.StatePending, Reason: "NoNodes", Message: "no nodes in the cluster"}
	}
	byNode := map[string]nodestatusv1alpha1.SecurityProfileNodeStatus{}
	for _, s := range statuses {
		byNode[s.NodeName] = s
	}
	worst := profilebasev1alpha1.StateInstalled
	var holding []string
	reason := "Installed"
	for _, n := range nodes {
		st := profilebasev1alpha1.StatePending
		r := "Pending"
		if s, ok := byNode[n]; ok && s.Status != "" {
			st, r = s.Status, s.Reason
		}
		switch {
		case st.Rank() < worst.Rank():
			worst, reason, holding = st, r, []string{describe(n, byNode[n])}
		case st == worst && st != profilebasev1alpha1.StateInstalled:
			holding = append(holding, describe(n, byNode[n]))
		}
	}
	if worst == profilebasev1alpha1.StateInstalled {
		return Aggregate{State: worst, Reason: "Installed", Message: fmt.Sprintf("installed on all %d node(s)", len(nodes))}
	}
	if worst == profilebasev1alpha1.StatePending || worst == profilebasev1alpha1.StateInProgress {
		// A constant message while nodes catch up: the status is patched
		// once for the state, not once per node that reports.
		return Aggregate{State: worst, Reason: reasonOr(reason, string(worst)),
			Message: "not yet installed on every node; see the SecurityProfileNodeStatus objects"}
	}
	sort.Strings(holding)
	return Aggregate{State: worst, Reason: reasonOr(reason, string(worst)),
		Message: fmt.Sprintf("%s on %d of %d node(s): %s", worst, len(holding), len(nodes), strings.Join(limit(holding, 5), "; "))}
}

func describe(node string, s nodestatusv1alpha1.SecurityProfileNodeStatus) string {
	if s.Message == "" {
		return node
	}
	return node + ": " + s.Message
}

func reasonOr(r, fallback string) string {
	if r == "" {
		return fallback
	}
	return r
}

func limit(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(s[:n:n], fmt.Sprintf("and %d more", len(s)-n))
}
