package auditmode

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/securityprofiles/operator/daemon/seccomp"
)

var (
	// auditModeCalls has one series per profile and syscall: bounded by
	// the profiles bound in audit mode and the syscall table, never by
	// pods or executables.
	auditModeCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_seccomp_profile_audit_mode_calls_total",
		Help: "Calls a SeccompProfile would have blocked, made by containers running it in audit mode.",
	}, []string{"node", "namespace", "profile", "syscall"})
	registerOnce sync.Once
)

// registerMetrics registers the audit-mode metrics and, since the
// collector's status writes are the node's updates of SeccompProfiles,
// the seccomp error counter's CannotUpdateSeccompProfile series.
func registerMetrics() {
	registerOnce.Do(func() {
		metrics.Registry.MustRegister(auditModeCalls)
		seccomp.RegisterUpdateErrors()
	})
}
