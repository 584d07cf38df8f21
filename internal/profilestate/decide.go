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
	// Nodes is the profile's state node by node; nil when nodes do not
	// count (a partial profile, or no nodes).
	Nodes *profilebasev1alpha1.NodeSummary
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

// Decide turns the states the existing nodes report (by node name, see
// Gather) into the profile's state: the lowest over all nodes, where a
// node that has not reported counts as Pending. Reason and message name
// the nodes holding it back, and Nodes counts and lists them.
// A partial profile (partialOf, see PartialOf, is not empty) is never
// installed, so its nodes do not count: it is Partial until its recording
// merges it.
func Decide(nodes []string, states map[string]nodestatusv1alpha1.ProfileNodeState, deleting bool, inUse int, partialOf string) Aggregate {
	if partialOf != "" && !deleting {
		return Aggregate{State: profilebasev1alpha1.StatePartial, Reason: ReasonPartial,
			Message: "waiting to be merged by ProfileRecording " + partialOf}
	}
	if len(nodes) == 0 && !deleting {
		return Aggregate{State: profilebasev1alpha1.StatePending, Reason: "NoNodes", Message: "no nodes in the cluster"}
	}
	summary, worst, reason, holding := summarize(nodes, states)
	agg := Aggregate{Nodes: summary}
	switch {
	case deleting:
		agg.State, agg.Reason = profilebasev1alpha1.StateTerminating, "InUse"
		agg.Message = fmt.Sprintf("waiting for %d pod(s) using the profile to go", inUse)
	case worst == profilebasev1alpha1.StateInstalled:
		agg.State, agg.Reason = worst, "Installed"
		agg.Message = fmt.Sprintf("installed on all %d node(s)", len(nodes))
	case worst == profilebasev1alpha1.StatePending || worst == profilebasev1alpha1.StateInProgress:
		// A constant message while nodes catch up: the status is patched
		// for the state, not for every node that reports.
		agg.State, agg.Reason = worst, reasonOr(reason, string(worst))
		agg.Message = "not yet installed on every node; see status.nodes"
	default:
		agg.State, agg.Reason = worst, reasonOr(reason, string(worst))
		agg.Message = fmt.Sprintf("%s on %d of %d node(s): %s", worst, len(holding), len(nodes),
			strings.Join(limit(holding, 5), "; "))
	}
	return agg
}

// summarize counts the nodes, lists those without the profile (lowest
// state first, then by name; MaxListedNodes of them), and returns the
// lowest state with its reason and the nodes holding it, described.
func summarize(nodes []string, states map[string]nodestatusv1alpha1.ProfileNodeState) (*profilebasev1alpha1.NodeSummary, profilebasev1alpha1.ProfileState, string, []string) {
	summary := &profilebasev1alpha1.NodeSummary{Total: int32(len(nodes))}
	worst, reason := profilebasev1alpha1.StateInstalled, "Installed"
	var missing []profilebasev1alpha1.NodeState
	var holding []string
	for _, n := range nodes {
		s, ok := states[n]
		if !ok || s.Status == "" {
			s = nodestatusv1alpha1.ProfileNodeState{Status: profilebasev1alpha1.StatePending, Reason: "Pending",
				Message: "the node has not reported"}
		}
		if s.Status == profilebasev1alpha1.StateInstalled {
			summary.Installed++
			continue
		}
		missing = append(missing, profilebasev1alpha1.NodeState{Node: n, Status: s.Status, Reason: s.Reason, Message: s.Message})
		switch {
		case s.Status.Rank() < worst.Rank():
			worst, reason, holding = s.Status, s.Reason, []string{describe(n, s.Message)}
		case s.Status == worst:
			holding = append(holding, describe(n, s.Message))
		}
	}
	sort.Slice(missing, func(i, j int) bool {
		if ri, rj := missing[i].Status.Rank(), missing[j].Status.Rank(); ri != rj {
			return ri < rj
		}
		return missing[i].Node < missing[j].Node
	})
	if len(missing) > profilebasev1alpha1.MaxListedNodes {
		summary.NotListed = int32(len(missing) - profilebasev1alpha1.MaxListedNodes)
		missing = missing[:profilebasev1alpha1.MaxListedNodes]
	}
	summary.NotInstalled = missing
	sort.Strings(holding)
	return summary, worst, reason, holding
}

func describe(node, message string) string {
	if message == "" {
		return node
	}
	return node + ": " + message
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
