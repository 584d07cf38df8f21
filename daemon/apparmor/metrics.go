package apparmor

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Metric names, with the operator's prefix, like the seccomp ones.
var (
	profileTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_apparmor_profile_total",
		Help: "Counter about AppArmor profile operations.",
	}, []string{"operation"})
	profileErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_apparmor_profile_error_total",
		Help: "Counter about AppArmor profile errors.",
	}, []string{"reason"})
	registerOnce sync.Once
)

// Operations counted by apparmor_profile_total: a load into the kernel
// and a removal from it.
const (
	operationUpdate = "update"
	operationDelete = "delete"
)

// RegisterMetrics adds the counters to controller-runtime's registry,
// which serves them at /metrics and /metrics-spod. Every operation and
// error reason starts at zero, so a scrape shows the series before
// anything happened. Several reconcilers in one process share them.
func RegisterMetrics() {
	registerOnce.Do(func() {
		metrics.Registry.MustRegister(profileTotal, profileErrors)
		for _, op := range []string{operationUpdate, operationDelete} {
			profileTotal.WithLabelValues(op)
		}
		for _, reason := range []string{ReasonNotSupported, ReasonInvalid, ReasonCannotLoad, ReasonCannotRemove, ReasonNodeStatus} {
			profileErrors.WithLabelValues(reason)
		}
	})
}

func countOperation(op string) { profileTotal.WithLabelValues(op).Inc() }
func countError(reason string) { profileErrors.WithLabelValues(reason).Inc() }
