package spod

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Names and ports of the metrics endpoint.
const (
	MetricsServiceName = "metrics"
	// MetricsPort is where the daemon serves its metrics over TLS.
	MetricsPort int32 = 9443
	// MetricsCertSecret holds the metrics serving certificate and its CA.
	MetricsCertSecret = "metrics-server-cert"
	// ServiceMonitorName names the ServiceMonitor the manager creates.
	ServiceMonitorName = "security-profiles-operator-monitor"
)

// ServiceMonitorCRD is the prometheus-operator CRD whose presence turns on
// the ServiceMonitor.
const ServiceMonitorCRD = "servicemonitors.monitoring.coreos.com"

// ServiceMonitorGVK is prometheus-operator's monitoring/v1 ServiceMonitor.
// It is handled as unstructured data: the manager writes one object of
// the kind and reads none, which does not justify a dependency on
// prometheus-operator's API module.
var ServiceMonitorGVK = schema.GroupVersionKind{Group: "monitoring.coreos.com", Version: "v1", Kind: "ServiceMonitor"}

// crdGVK is the kind of CustomResourceDefinitions, read as metadata only.
var crdGVK = schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"}

// BuildMetricsService returns the metrics Service in front of the daemon
// pods.
func BuildMetricsService(cfg Config) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{Name: MetricsServiceName, Namespace: cfg.Namespace, Labels: DaemonLabels()},
		Spec: corev1.ServiceSpec{
			Selector: DaemonLabels(),
			Ports: []corev1.ServicePort{{
				Name: "https", Port: 443, TargetPort: intstr.FromString("metrics"), Protocol: corev1.ProtocolTCP,
			}},
		},
	}
}

// BuildServiceMonitor returns the ServiceMonitor that lets a Prometheus
// run by prometheus-operator scrape the metrics Service with its service
// account token, verifying the serving certificate against its CA.
func BuildServiceMonitor(cfg Config) *unstructured.Unstructured {
	endpoint := func(path string) any {
		return map[string]any{
			"port":            "https",
			"path":            path,
			"scheme":          "https",
			"interval":        "30s",
			"bearerTokenFile": "/var/run/secrets/kubernetes.io/serviceaccount/token",
			"tlsConfig": map[string]any{
				"serverName": MetricsServiceName + "." + cfg.Namespace + ".svc",
				"ca": map[string]any{"secret": map[string]any{
					"name": MetricsCertSecret, "key": "ca.crt",
				}},
			},
		}
	}
	labels := map[string]any{}
	for k, v := range DaemonLabels() {
		labels[k] = v
	}
	u := &unstructured.Unstructured{Object: map[string]any{
		"spec": map[string]any{
			"endpoints": []any{endpoint("/metrics"), endpoint("/metrics-spod")},
			"selector":  map[string]any{"matchLabels": labels},
		},
	}}
	u.SetGroupVersionKind(ServiceMonitorGVK)
	u.SetName(ServiceMonitorName)
	u.SetNamespace(cfg.Namespace)
	return u
}
