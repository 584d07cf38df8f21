package profiling

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"strconv"
	"time"

	"github.com/go-logr/logr"
)

// The environment the spod controller sets on a container when spod's
// enableProfiling is true.
const (
	EnvEnabled = "SPO_PROFILING"
	EnvPort    = "SPO_PROFILING_PORT"
)

// DefaultPort is the node daemon's pprof port; the log enricher and the
// bpf recorder are given 6061 and 6062 through EnvPort.
const DefaultPort = 6060

// Config says whether and where to serve pprof.
type Config struct {
	Enabled bool
	Port    int
}

// FromEnv reads EnvEnabled and EnvPort through getenv (os.Getenv in the
// binaries). An unset EnvEnabled means disabled; an unset port means
// DefaultPort.
func FromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{Port: DefaultPort}
	if v := getenv(EnvEnabled); v != "" {
		enabled, err := strconv.ParseBool(v)
		if err != nil {
			return Config{}, fmt.Errorf("%s=%q: %w", EnvEnabled, v, err)
		}
		cfg.Enabled = enabled
	}
	if v := getenv(EnvPort); v != "" {
		port, err := strconv.Atoi(v)
		if err != nil || port < 1 || port > 65535 {
			return Config{}, fmt.Errorf("%s=%q: not a TCP port", EnvPort, v)
		}
		cfg.Port = port
	}
	return cfg, nil
}

// Addr is the address the server listens on: loopback only. pprof shows
// heap contents and lets any caller spend the process's CPU, and it has no
// authentication, so it is not reachable from the pod network; users
// reach it with `kubectl port-forward`, which connects inside the pod's
// network namespace. A hostNetwork daemon pod (log enricher on) binds the
// node's loopback, still not exposed.
func (c Config) Addr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(c.Port))
}

// Handler serves the pprof index, cmdline, profile, symbol and trace
// endpoints and the named profiles (heap, goroutine, …) under
// /debug/pprof/. It is its own mux: importing net/http/pprof registers the
// same handlers on http.DefaultServeMux too, which none of our servers
// use.
func Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// Start serves Handler on addr until ctx is done and returns the address
// it listens on. It returns once the listener is open, so a port in use
// is reported to the caller rather than lost in a goroutine.
func Start(ctx context.Context, log logr.Logger, addr string) (net.Addr, error) {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for profiling on %s: %w", addr, err)
	}
	// No write timeout: /debug/pprof/profile and /trace stream for as
	// many seconds as the caller asks.
	srv := &http.Server{Handler: Handler(), ReadHeaderTimeout: 10 * time.Second}
	log.Info("Starting profiling server", "endpoint", ln.Addr().String())
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error(err, "Profiling server stopped")
		}
	}()
	go func() {
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()
	return ln.Addr(), nil
}

// StartFromEnv starts the server when the environment enables it and
// does nothing otherwise.
func StartFromEnv(ctx context.Context, log logr.Logger, getenv func(string) string) error {
	cfg, err := FromEnv(getenv)
	if err != nil || !cfg.Enabled {
		return err
	}
	_, err = Start(ctx, log, cfg.Addr())
	return err
}
