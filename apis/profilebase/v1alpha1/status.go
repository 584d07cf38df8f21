package v1alpha1

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ProfileState is where a profile is in its life on the nodes.
// +kubebuilder:validation:Enum=Pending;InProgress;Installed;Terminating;Partial;Disabled;Error
type ProfileState string

// The states, from worst to best. A profile's state is the lowest state of
// its node states (see Rank).
const (
	// StateError means at least one node could not install the profile.
	StateError ProfileState = "Error"
	// StateTerminating means the profile is being removed from the nodes.
	StateTerminating ProfileState = "Terminating"
	// StateDisabled means the profile is kept in the API but removed from
	// the nodes (spec.disabled).
	StateDisabled ProfileState = "Disabled"
	// StatePartial marks a recorded per-container profile waiting for merge.
	StatePartial ProfileState = "Partial"
	// StatePending means no node has reported yet.
	StatePending ProfileState = "Pending"
	// StateInProgress means some nodes are still installing the profile.
	StateInProgress ProfileState = "InProgress"
	// StateInstalled means every node installed the profile.
	StateInstalled ProfileState = "Installed"
)

var stateRank = map[ProfileState]int{
	StateError:       0,
	StateTerminating: 1,
	StateDisabled:    2,
	StatePartial:     3,
	StatePending:     4,
	StateInProgress:  5,
	StateInstalled:   6,
}

// Rank orders states from worst (0, Error) to best (Installed). An unknown
// state ranks as Pending so a typo never reads as success.
func (s ProfileState) Rank() int {
	if r, ok := stateRank[s]; ok {
		return r
	}
	return stateRank[StatePending]
}

// ConditionReady is the condition every profile kind reports; `kubectl wait
// --for=condition=ready` waits on it.
const ConditionReady = "Ready"

// StatusBase is the part of the status every profile kind shares.
type StatusBase struct {
	// status is the lowest state of this profile over all nodes:
	// Error < Terminating < Disabled < Partial < Pending < InProgress <
	// Installed.
	// +optional
	Status ProfileState `json:"status,omitempty"`

	// conditions report Ready (True once every node installed the profile)
	// with a reason and message explaining any other state.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// nodes counts the nodes the profile must be on and those that
	// installed it, and names the nodes where it is not installed, with
	// why.
	// +optional
	Nodes *NodeSummary `json:"nodes,omitempty"`
}

// MaxListedNodes bounds NodeSummary.NotInstalled, so a profile's status
// stays small on any number of nodes.
const MaxListedNodes = 20

// NodeSummary is a profile's state over the nodes.
type NodeSummary struct {
	// total is the number of nodes in the cluster.
	Total int32 `json:"total"`

	// installed is how many of them installed the profile.
	Installed int32 `json:"installed"`

	// notInstalled names nodes where the profile is not installed, the
	// lowest states first, then by name; at most 20.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=20
	NotInstalled []NodeState `json:"notInstalled,omitempty"`

	// notListed counts the nodes without the profile that notInstalled
	// has no room for.
	// +optional
	NotListed int32 `json:"notListed,omitempty"`
}

// NodeState is a profile's state on one node.
type NodeState struct {
	// node is the node's name.
	// +kubebuilder:validation:MaxLength=253
	Node string `json:"node"`

	// status is the profile's state there; Pending when the node has not
	// reported.
	Status ProfileState `json:"status"`

	// reason is why, in UpperCamel.
	// +optional
	// +kubebuilder:validation:MaxLength=128
	Reason string `json:"reason,omitempty"`

	// message explains the state.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Message string `json:"message,omitempty"`
}

// SetState sets status and the Ready condition together so they can never
// disagree. It reports whether anything changed.
func (s *StatusBase) SetState(state ProfileState, reason, message string, generation int64) bool {
	cond := metav1.Condition{
		Type:               ConditionReady,
		Status:             metav1.ConditionFalse,
		Reason:             reason,
		Message:            message,
		ObservedGeneration: generation,
	}
	if state == StateInstalled {
		cond.Status = metav1.ConditionTrue
	}
	changed := s.Status != state
	s.Status = state
	if meta.SetStatusCondition(&s.Conditions, cond) {
		changed = true
	}
	return changed
}

// ReadyCondition returns the Ready condition, or nil when none was set.
func (s *StatusBase) ReadyCondition() *metav1.Condition {
	return meta.FindStatusCondition(s.Conditions, ConditionReady)
}
