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
// installer's error reasons start at zero, so a scrape shows the series
// before anything happened. Several daemons in one process (tests,
// benchmarks) share them.
func RegisterMetrics() {
	register()
	for _, op := range []string{operationUpdate, operationDelete} {
		profileTotal.WithLabelValues(op)
	}
	for _, reason := range []string{ReasonNotSupported, ReasonInvalid, ReasonCannotSave,
		ReasonCannotRemove, ReasonNodeStatus} {
		profileErrors.WithLabelValues(reason)
	}
}

// RegisterUpdateErrors registers the counters in the process that updates
// SeccompProfile objects on a node, the log enricher (audit mode), with
// the ReasonCannotUpdate series at zero. The installer leaves that series
// to the enricher: /metrics-spod merges the enricher's families into the
// installer's, and a series both served would be dropped as a duplicate.
func RegisterUpdateErrors() {
	register()
	profileErrors.WithLabelValues(ReasonCannotUpdate)
}

// CountUpdateError counts a failed update of a SeccompProfile object.
func CountUpdateError() { countError(ReasonCannotUpdate) }

func register() {
	registerOnce.Do(func() { metrics.Registry.MustRegister(profileTotal, profileErrors) })
}

func countOperation(op string) { profileTotal.WithLabelValues(op).Inc() }
func countError(reason string) { profileErrors.WithLabelValues(reason).Inc() }
