// Package nodestatus writes this node's SecurityProfileNodeStatus for a
// profile: one object per (profile, node), owned by the profile, labelled
// so it can be selected by profile, node and state.
package nodestatus
