package server

import (
	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// The outcomes counted by the decisions metric.
const (
	OutcomePatched   = "patched"
	OutcomeUnchanged = "unchanged"
	OutcomeDenied    = "denied"
	OutcomeError     = "error"
	OutcomePanic     = "panic"
)

const metricsPrefix = "security_profiles_operator_webhook_"

var (
	requestsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: metricsPrefix + "requests_total",
		Help: "Admission requests received, by webhook.",
	}, []string{"webhook"})
	requestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: metricsPrefix + "request_duration_seconds",
		Help: "Time to decide an admission request, by webhook.",
		// From 50µs to ~3.3s: the handlers normally answer in well under
		// a millisecond, and anything near the 5 s webhook timeout matters.
		Buckets: prometheus.ExponentialBuckets(0.00005, 4, 9),
	}, []string{"webhook"})
	decisionsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: metricsPrefix + "decisions_total",
		Help: "Admission decisions by webhook and outcome (patched, unchanged, denied, error, panic).",
	}, []string{"webhook", "outcome"})
	warningsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: metricsPrefix + "warnings_total",
		Help: "Warnings returned to the creator of a pod, by webhook.",
	}, []string{"webhook"})
)

func init() {
	metrics.Registry.MustRegister(requestsTotal, requestDuration, decisionsTotal, warningsTotal)
}
