package metricsserving_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	"k8s.io/client-go/rest"

	"github.com/securityprofiles/operator/internal/metricsserving"
)

// countReviews counts the requests a transport sends.
type countReviews struct {
	next http.RoundTripper
	n    atomic.Int32
}

func (c *countReviews) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

// TestAuthorizeAsksTheAPIServerOnce drives the filter with the real API
// server's token and access reviews: the status of each kind of caller,
// and the reviews it costs, the second time none.
func TestAuthorizeAsksTheAPIServerOnce(t *testing.T) {
	g := NewWithT(t)
	bound, stranger := tokens(g)
	httpClient, err := rest.HTTPClientFor(env.Config)
	g.Expect(err).NotTo(HaveOccurred())
	reviews := &countReviews{next: httpClient.Transport}
	httpClient.Transport = reviews
	filter, err := metricsserving.Authorize(env.Config, httpClient)
	g.Expect(err).NotTo(HaveOccurred())
	var leaked atomic.Bool
	handler, err := filter(logr.Discard(), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(r.Header.Get("Authorization") != "")
		_, _ = w.Write([]byte("metrics"))
	}))
	g.Expect(err).NotTo(HaveOccurred())

	for _, step := range []struct {
		name, method, path, header string
		code                       int
		reviews                    int32
	}{
		{"no token", http.MethodGet, "/metrics", "", http.StatusUnauthorized, 0},
		{"not a bearer token", http.MethodGet, "/metrics", "Basic " + bound, http.StatusUnauthorized, 0},
		{"a token the API server does not know", http.MethodGet, "/metrics", "Bearer not-a-token", http.StatusUnauthorized, 1},
		{"an unbound service account", http.MethodGet, "/metrics", "Bearer " + stranger, http.StatusForbidden, 2},
		{"the same again", http.MethodGet, "/metrics", "Bearer " + stranger, http.StatusForbidden, 0},
		{"the bound service account", http.MethodGet, "/metrics", "Bearer " + bound, http.StatusOK, 2},
		{"the same again", http.MethodGet, "/metrics", "bearer  " + bound + " ", http.StatusOK, 0},
		{"the daemon's path", http.MethodGet, "/metrics-spod", "Bearer " + bound, http.StatusOK, 2},
		{"a verb the role does not grant", http.MethodPost, "/metrics", "Bearer " + bound, http.StatusForbidden, 2},
		{"a path the role does not grant", http.MethodGet, "/debug/pprof", "Bearer " + bound, http.StatusForbidden, 2},
	} {
		before := reviews.n.Load()
		req := httptest.NewRequest(step.method, "https://spo"+step.path, nil)
		if step.header != "" {
			req.Header.Set("Authorization", step.header)
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		g.Expect(rec.Code).To(Equal(step.code), step.name)
		g.Expect(reviews.n.Load()-before).To(Equal(step.reviews), step.name+": API requests")
		g.Expect(leaked.Load()).To(BeFalse(), step.name+": the token reached the metrics handler")
		if step.code != http.StatusOK {
			g.Expect(rec.Body.String()).NotTo(ContainSubstring("metrics"), step.name)
		}
	}
}

// TestAuthorizeWithoutAnAPIServer: a request the filter cannot check is
// refused with 500, never served.
func TestAuthorizeWithoutAnAPIServer(t *testing.T) {
	g := NewWithT(t)
	cfg := rest.CopyConfig(env.Config)
	cfg.Host = "https://127.0.0.1:1"
	httpClient, err := rest.HTTPClientFor(cfg)
	g.Expect(err).NotTo(HaveOccurred())
	filter, err := metricsserving.Authorize(cfg, httpClient)
	g.Expect(err).NotTo(HaveOccurred())
	handler, err := filter(logr.Discard(), http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("metrics"))
	}))
	g.Expect(err).NotTo(HaveOccurred())
	req := httptest.NewRequest(http.MethodGet, "https://spo/metrics", nil)
	req.Header.Set("Authorization", "Bearer some-token")
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	g.Expect(rec.Code).To(Equal(http.StatusInternalServerError))
	g.Expect(strings.TrimSpace(rec.Body.String())).To(Equal("Internal Server Error"))
}
