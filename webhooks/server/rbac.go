package server

// The webhook binary's own needs beyond its handlers' (which sit next to
// each handler): leader election for the status controllers.
//
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;list;watch;create;update;patch;delete
