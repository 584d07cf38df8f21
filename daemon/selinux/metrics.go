package selinux

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Metric names, with the operator's prefix, as the user manual lists them.
var (
	profileTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_selinux_profile_total",
		Help: "Counter about selinux profile operations.",
	}, []string{"operation"})
	profileErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_selinux_profile_error_total",
		Help: "Counter about selinux profile errors.",
	}, []string{"reason"})
	registerOnce sync.Once
)

// Operations counted by selinux_profile_total: a policy file written or
// removed on this node.
const (
	operationUpdate = "update"
	operationDelete = "delete"
)

// errorReasons are the reasons selinux_profile_error_total counts: the
// manual's six and this build's rejections.
var errorReasons = []string{
	ReasonCannotSave, ReasonCannotUpdateStatus, ReasonCannotRemove, ReasonCannotContact,
	ReasonCannotWrite, ReasonCannotGetStatus, ReasonInvalid, ReasonInvalidRaw, ReasonNotSupported,
	ReasonNameConflict,
}

// RegisterMetrics adds the counters to controller-runtime's registry,
// which serves them at /metrics and /metrics-spod. Every series starts at
// zero so a scrape shows it before anything happened. Several daemons in
// one process (tests) share them.
func RegisterMetrics() {
	registerOnce.Do(func() {
		metrics.Registry.MustRegister(profileTotal, profileErrors)
		for _, op := range []string{operationUpdate, operationDelete} {
			profileTotal.WithLabelValues(op)
		}
		for _, reason := range errorReasons {
			profileErrors.WithLabelValues(reason)
		}
	})
}

func countOperation(op string) { profileTotal.WithLabelValues(op).Inc() }
func countError(reason string) { profileErrors.WithLabelValues(reason).Inc() }
