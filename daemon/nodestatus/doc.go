// Package nodestatus keeps this node's SecurityProfileNodeStatus objects:
// one per namespace, named after the node, listing the node's state of
// each profile there. Reconcilers record states in memory and return; one
// loop writes them, so the states a burst of reconciles records reach the
// API server in a write per namespace, not one per profile.
package nodestatus
