package nodestatus

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// writes counts the daemon's writes of its node statuses: with the
// profiles' counters it shows how well bursts coalesce.
var (
	writes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_node_status_writes_total",
		Help: "Writes of this node's SecurityProfileNodeStatus objects, by result.",
	}, []string{"result"})
	registerOnce sync.Once
)

// RegisterMetrics adds the counter, both results at zero, to
// controller-runtime's registry. Several writers in one process share it.
func RegisterMetrics() {
	registerOnce.Do(func() { metrics.Registry.MustRegister(writes) })
	writes.WithLabelValues("success")
	writes.WithLabelValues("error")
}

func countWrite(err error) {
	if err != nil {
		writes.WithLabelValues("error").Inc()
		return
	}
	writes.WithLabelValues("success").Inc()
}
