package server

// The webhook binary's own needs beyond its handlers' (which sit next to
// each handler): leader election for the status controllers.
//
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;list;watch;create;update;patch;delete

// Metrics callers are checked with the API server (internal/metricsserving).
// +kubebuilder:rbac:groups=authentication.k8s.io,resources=tokenreviews,verbs=create
// +kubebuilder:rbac:groups=authorization.k8s.io,resources=subjectaccessreviews,verbs=create
