package webhooktest

import (
	"context"
	"sync"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// Warnings collects the warnings the API server returns to a client, such
// as those in a webhook's admission response.
type Warnings struct {
	mu   sync.Mutex
	list []string
}

// HandleWarningHeaderWithContext records one warning.
func (w *Warnings) HandleWarningHeaderWithContext(_ context.Context, _ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.list = append(w.list, text)
}

// Take returns and forgets the warnings seen so far.
func (w *Warnings) Take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.list
	w.list = nil
	return out
}

// NewClient returns a client of the suite's API server that records
// warnings in w.
func (s *Suite) NewClient(w *Warnings) (client.Client, error) {
	cfg := rest.CopyConfig(s.Env.Config)
	cfg.WarningHandlerWithContext = w
	return client.New(cfg, client.Options{Scheme: s.Env.Scheme})
}
