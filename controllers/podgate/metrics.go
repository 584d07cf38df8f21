package podgate

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

// Metric names, with the operator's prefix.
var (
	releases = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "security_profiles_operator_pod_gate_releases_total",
		Help: "Pods whose profiles-installed scheduling gate the manager removed.",
	})
	podsGated = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "security_profiles_operator_pods_gated",
		Help: "Pods the profiles-installed scheduling gate currently holds.",
	})
	registerOnce sync.Once
)

// registerMetrics adds the metrics to controller-runtime's registry, which
// serves them at /metrics.
func registerMetrics() {
	registerOnce.Do(func() { metrics.Registry.MustRegister(releases, podsGated) })
}

// track counts a pod as held.
func (r *Reconciler) track(key types.NamespacedName) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.held == nil {
		r.held = map[types.NamespacedName]struct{}{}
	}
	r.held[key] = struct{}{}
	podsGated.Set(float64(len(r.held)))
}

// forget stops counting a pod that was released or is gone.
func (r *Reconciler) forget(key types.NamespacedName) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.held, key)
	podsGated.Set(float64(len(r.held)))
}
