// Command webhook serves the binding.spo.io and recording.spo.io mutating
// admission webhooks over TLS, with their status controllers.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/healthz"

	"github.com/securityprofiles/operator/internal/logging"
	"github.com/securityprofiles/operator/internal/profiling"
	"github.com/securityprofiles/operator/webhooks/binding"
	"github.com/securityprofiles/operator/webhooks/recording"
	"github.com/securityprofiles/operator/webhooks/server"
)

func main() {
	o, err := parseOptions(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "webhook: %v\n", err)
		os.Exit(2)
	}
	log := logging.Setup("webhook", o.verbosity)
	ctx := ctrl.SetupSignalHandler()
	if err := profiling.StartFromEnv(ctx, log, os.Getenv); err != nil {
		log.Error(err, "Unable to start the profiling server")
		os.Exit(1)
	}
	mgr, err := newManager(o)
	if err != nil {
		log.Error(err, "Unable to create manager")
		os.Exit(1)
	}
	bindingOpts, recordingOpts := o.handlerOptions()
	if err := setup(ctx, mgr, bindingOpts, recordingOpts); err != nil {
		log.Error(err, "Unable to set up the webhooks")
		os.Exit(1)
	}
	log.Info("Starting webhook server", "port", o.port, "namespaces", recordingOpts.Namespaces)
	if err := mgr.Start(ctx); err != nil {
		log.Error(err, "Webhook server stopped with an error")
		os.Exit(1)
	}
}

// newManager builds the webhook's manager (see managerOptions).
func newManager(o options) (ctrl.Manager, error) {
	return ctrl.NewManager(ctrl.GetConfigOrDie(), managerOptions(o))
}

// setup registers both webhooks and the health and readiness checks.
// Ready means the TLS server is up and the informer cache has synced.
func setup(ctx context.Context, mgr ctrl.Manager, bindingOpts binding.Options, recordingOpts recording.Options) error {
	if err := bindingOpts.Setup(ctx, mgr); err != nil {
		return err
	}
	if err := recordingOpts.Setup(ctx, mgr); err != nil {
		return err
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("webhook", mgr.GetWebhookServer().StartedChecker()); err != nil {
		return err
	}
	return mgr.AddReadyzCheck("cache", server.CacheSynced(mgr.GetCache()))
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
