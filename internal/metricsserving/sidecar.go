package metricsserving

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// SidecarDir is where the daemon's sidecar containers (log enricher, bpf
// recorder) serve their metrics, one UNIX socket each, for the daemon to
// include in /metrics-spod. Only the pod's containers mount it.
const SidecarDir = "/var/run/spo-metrics"

// SidecarPrefix is the prefix of the metric families taken from sidecars:
// runtime and client metrics of the sidecar processes would collide with
// the daemon's own.
const SidecarPrefix = "security_profiles_operator_"

// ServeSidecar serves g's metrics as plain HTTP on a UNIX socket at path
// (mode 0600) until ctx is done.
func ServeSidecar(ctx context.Context, path string, g prometheus.Gatherer) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("metrics socket directory: %w", err)
	}
	_ = os.Remove(path) // a socket left by an earlier run of this container
	l, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("metrics socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		return fmt.Errorf("metrics socket: %w", err)
	}
	srv := &http.Server{Handler: promhttp.HandlerFor(g, promhttp.HandlerOpts{}), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// SidecarGatherer gathers the operator's metric families from every
// sidecar socket in dir. A sidecar that is not running (yet) adds
// nothing; it is not an error, so /metrics-spod keeps working.
type SidecarGatherer struct {
	Dir string
}

// Gather implements prometheus.Gatherer.
func (s SidecarGatherer) Gather() ([]*dto.MetricFamily, error) {
	sockets, _ := filepath.Glob(filepath.Join(s.Dir, "*.sock"))
	var out []*dto.MetricFamily
	var errs []error
	for _, path := range sockets {
		fams, err := scrapeSocket(path)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, fams...)
	}
	if len(out) > 0 {
		return out, nil
	}
	return nil, errors.Join(errs...)
}

func scrapeSocket(path string) ([]*dto.MetricFamily, error) {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", path)
		},
	}}
	resp, err := client.Get("http://sidecar/metrics")
	if err != nil {
		return nil, nil // not listening: the sidecar is starting or gone
	}
	defer resp.Body.Close()
	dec := expfmt.NewDecoder(resp.Body, expfmt.ResponseFormat(resp.Header))
	var out []*dto.MetricFamily
	for {
		mf := &dto.MetricFamily{}
		if err := dec.Decode(mf); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return out, fmt.Errorf("read metrics of %s: %w", filepath.Base(path), err)
		}
		if strings.HasPrefix(mf.GetName(), SidecarPrefix) {
			out = append(out, mf)
		}
	}
}
