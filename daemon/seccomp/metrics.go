package seccomp

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Metric names, with the operator's prefix, as the user manual lists them.
var (
	profileTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_seccomp_profile_total",
		Help: "Counter about seccomp profile operations.",
	}, []string{"operation"})
	profileErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_seccomp_profile_error_total",
		Help: "Counter about seccomp profile errors.",
	}, []string{"reason"})
	registerOnce sync.Once
)

// Operations counted by seccomp_profile_total.
const (
	operationUpdate = "update"
	operationDelete = "delete"
)

// RegisterMetrics adds the counters to controller-runtime's registry,
// which serves them at /metrics and /metrics-spod. Every operation and the
// manual's error reasons start at zero, so a scrape shows the series before
// anything happened. Several daemons in one process (tests, benchmarks)
// share them.
func RegisterMetrics() {
	registerOnce.Do(func() {
		metrics.Registry.MustRegister(profileTotal, profileErrors)
		for _, op := range []string{operationUpdate, operationDelete} {
			profileTotal.WithLabelValues(op)
		}
		for _, reason := range []string{ReasonNotSupported, ReasonInvalid, ReasonCannotSave,
			ReasonCannotRemove, "CannotUpdateSeccompProfile", ReasonNodeStatus} {
			profileErrors.WithLabelValues(reason)
		}
	})
}

func countOperation(op string) { profileTotal.WithLabelValues(op).Inc() }
func countError(reason string) { profileErrors.WithLabelValues(reason).Inc() }
