package webhooktest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	ctrlenvtest "sigs.k8s.io/controller-runtime/pkg/envtest"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/internal/webhookconfig"
	"github.com/securityprofiles/operator/test/envtest"
	"github.com/securityprofiles/operator/webhooks/server"
)

// SetupFunc registers a webhook on a manager (binding.Setup, recording.Setup).
type SetupFunc func(context.Context, ctrl.Manager) error

// Suite is a control plane with one of our webhooks configured and served.
type Suite struct {
	Env *envtest.Env
	// Name is the webhook under test, e.g. binding.spo.io.
	Name     string
	names    []string
	install  *ctrlenvtest.WebhookInstallOptions
	setup    SetupFunc
	stop     context.CancelFunc
	stopped  chan error
	hostPort string
}

// Start brings up the control plane with the webhook configuration built
// by webhookconfig.Build (only the webhook name, so the other webhook's
// absent server cannot interfere) and starts serving it.
func Start(name string, setup SetupFunc) (*Suite, error) {
	return StartWebhooks([]string{name}, setup)
}

// StartWebhooks is Start for several webhooks served by one setup; Name
// (and so Requests) refers to the first.
func StartWebhooks(names []string, setup SetupFunc) (*Suite, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Suite{Name: names[0], names: names, setup: setup, hostPort: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}
	s.install = &ctrlenvtest.WebhookInstallOptions{
		LocalServingHost: "127.0.0.1",
		LocalServingPort: port,
		MutatingWebhooks: []*admissionregistrationv1.MutatingWebhookConfiguration{s.Config(nil)},
	}
	if s.Env, err = envtest.StartWithOptions(envtest.Options{Webhooks: s.install}); err != nil {
		return nil, err
	}
	if err := s.StartServer(); err != nil {
		return nil, errors.Join(err, s.Env.Stop())
	}
	return s, nil
}

// Config is the webhook configuration for this suite's webhooks with opts
// applied, pointing at the local server.
func (s *Suite) Config(opts []spodv1alpha1.WebhookOptions) *admissionregistrationv1.MutatingWebhookConfiguration {
	var ca []byte
	if s.install != nil {
		ca = s.install.LocalServingCAData
	}
	mwc := webhookconfig.Build(webhookconfig.ClientConfig{URL: "https://" + s.hostPort, CABundle: ca}, opts, webhookconfig.Scope{})
	hooks := mwc.Webhooks[:0]
	for _, h := range mwc.Webhooks {
		if slices.Contains(s.names, h.Name) {
			hooks = append(hooks, h)
		}
	}
	mwc.Webhooks = hooks
	return mwc
}

// Configure replaces the installed configuration with Config(opts).
func (s *Suite) Configure(ctx context.Context, opts []spodv1alpha1.WebhookOptions) error {
	cur := &admissionregistrationv1.MutatingWebhookConfiguration{}
	if err := s.Env.Client.Get(ctx, client.ObjectKey{Name: webhookconfig.Name}, cur); err != nil {
		return err
	}
	cur.Webhooks = s.Config(opts).Webhooks
	return s.Env.Client.Update(ctx, cur)
}

// StartServer starts a manager serving the webhook (and its status
// controller) and waits until it accepts TLS connections.
func (s *Suite) StartServer() error {
	shutdown := 5 * time.Second
	mgr, err := ctrl.NewManager(s.Env.Config, ctrl.Options{
		Scheme: s.Env.Scheme,
		Cache:  server.CacheOptions(),
		WebhookServer: webhook.NewServer(webhook.Options{
			Host: s.install.LocalServingHost, Port: s.install.LocalServingPort, CertDir: s.install.LocalServingCertDir,
		}),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		// A restarted server registers its controllers again.
		Controller:              config.Controller{SkipNameValidation: ptrTo(true)},
		GracefulShutdownTimeout: &shutdown,
	})
	if err != nil {
		return fmt.Errorf("manager: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := s.setup(ctx, mgr); err != nil {
		cancel()
		return err
	}
	s.stop, s.stopped = cancel, make(chan error, 1)
	go func() { s.stopped <- mgr.Start(ctx) }()
	return s.waitServing(60 * time.Second)
}

// StopServer stops the manager and waits until it has stopped.
func (s *Suite) StopServer() error {
	if s.stop == nil {
		return nil
	}
	s.stop()
	s.stop = nil
	return <-s.stopped
}

// EnsureServing starts the server again if a test stopped it.
func (s *Suite) EnsureServing() error {
	if s.stop != nil {
		return nil
	}
	return s.StartServer()
}

// Stop stops the server and the control plane.
func (s *Suite) Stop() error {
	return errors.Join(s.StopServer(), s.Env.Stop())
}

// waitServing dials the webhook port until TLS answers.
func (s *Suite) waitServing(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		conn, err := tls.DialWithDialer(&net.Dialer{Timeout: time.Second}, "tcp", s.hostPort, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // only probing that TLS is up
		if err == nil {
			return conn.Close()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("webhook server on %s did not come up: %w", s.hostPort, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func ptrTo[T any](v T) *T { return &v }
