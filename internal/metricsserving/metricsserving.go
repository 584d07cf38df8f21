package metricsserving

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/securityprofiles/operator/internal/servingtls"
)

// DaemonPath is where the node daemon serves its metrics, so one metrics
// Service can route /metrics to the manager and /metrics-spod to daemons.
const DaemonPath = "/metrics-spod"

// DefaultCertDir is where the metrics server looks for tls.crt and
// tls.key when no certificate directory is given: controller-runtime's
// default (under os.TempDir, /tmp in the operator's images). The node
// daemon's pods mount the metrics-server-cert Secret there. When the files
// are present the server reloads them as they change, so a rotated
// certificate needs no restart; when they are absent it serves a
// self-signed certificate generated at start.
const DefaultCertDir = "/tmp/k8s-metrics-server/serving-certs"

// Options serves metrics on addr ("0" turns the endpoint off) over HTTPS
// (TLS 1.2 or newer, HTTP/1.1 only: see servingtls) behind token
// authentication and authorization. certDir holds tls.crt and tls.key;
// empty means DefaultCertDir.
func Options(addr, certDir string) metricsserver.Options {
	return metricsserver.Options{
		BindAddress:    addr,
		SecureServing:  true,
		CertDir:        certDir,
		TLSOpts:        servingtls.Opts(),
		FilterProvider: Authorize,
	}
}

// DaemonOptions is Options plus the daemon's /metrics-spod path, which
// serves the same registry as /metrics plus the operator's metrics of the
// sidecar containers (log enricher, bpf recorder) found in SidecarDir.
func DaemonOptions(addr, certDir string) metricsserver.Options {
	o := Options(addr, certDir)
	o.ExtraHandlers = map[string]http.Handler{
		DaemonPath: promhttp.HandlerFor(prometheus.Gatherers{metrics.Registry, SidecarGatherer{Dir: SidecarDir}},
			promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}),
	}
	return o
}
