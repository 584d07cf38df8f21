// Package profilestate turns what the nodes report about one profile into
// the profile's state, for every profile kind: it gathers the node
// statuses and the pods using the profile, and decides the lowest state
// over the nodes that exist.
package profilestate
