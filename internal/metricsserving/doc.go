// Package metricsserving configures every component's metrics endpoint the
// same way: HTTPS, and only for callers whose bearer token the API server
// authenticates (TokenReview) and authorizes for the path
// (SubjectAccessReview), e.g. through the spo-metrics-client ClusterRole.
package metricsserving
