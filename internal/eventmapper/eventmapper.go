package eventmapper

import (
	"context"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
)

var (
	errorsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "security_profiles_operator_event_mapper_errors_total",
		Help: "Watch events a controller could not map to the objects they concern; those objects were not reconciled for the event.",
	}, []string{"controller"})
	registerOnce sync.Once
)

// Track registers the counter with controller-runtime's registry and
// starts controller's series at zero, so an alert on its increase sees
// the first failure. Call it when setting the controller up.
func Track(controller string) {
	registerOnce.Do(func() { metrics.Registry.MustRegister(errorsTotal) })
	errorsTotal.WithLabelValues(controller)
}

// ListFailed reports that controller's map function could not List what
// event concerns, so the requests it would have queued are lost.
func ListFailed(ctx context.Context, controller string, event client.Object, err error) {
	Track(controller)
	errorsTotal.WithLabelValues(controller).Inc()
	ctrl.LoggerFrom(ctx).Error(err, "Cannot map a watch event; the objects it concerns are not reconciled for it",
		"controller", controller, "eventObject", client.ObjectKeyFromObject(event))
}
