package selinuxdtest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/securityprofiles/operator/internal/selinuxd"
)

// TestProtocol checks the answers without semodule: the verdicts are set
// by hand.
func TestProtocol(t *testing.T) {
	s := newServer(t, Options{})
	s.setStatus("good_ns", selinuxd.Status{State: selinuxd.StateInstalled})
	s.setStatus("bad_ns", selinuxd.Status{State: selinuxd.StateFailed, Message: "Failed to resolve"})
	s.setStatus("a.v2_ns", selinuxd.Status{State: selinuxd.StateInstalled})

	for _, tc := range []struct {
		method, target string
		code           int
		body           string
	}{
		{"GET", "/ready", 200, `{"ready":false}`},
		{"GET", "/policies/", 200, `["a.v2_ns","good_ns"]`},
		{"GET", "/policies/good_ns", 200, `{"status":"Installed","msg":""}`},
		{"GET", "/policies/bad_ns", 200, `{"status":"Failed","msg":"Failed to resolve"}`},
		{"GET", "/policies/other_ns", 404, ""},
		{"GET", "/policies/..%2Fgood_ns", 400, ""},
		{"GET", "/policies/good_ns/x", 400, ""},
		{"GET", "/policies", 400, ""},
		{"GET", "/", 400, ""},
		{"POST", "/ready", 400, ""},
		{"DELETE", "/policies/good_ns", 400, ""},
	} {
		w := httptest.NewRecorder()
		s.serveHTTP(w, httptest.NewRequest(tc.method, tc.target, nil))
		if w.Code != tc.code || (tc.body != "" && strings.TrimSpace(w.Body.String()) != tc.body) {
			t.Errorf("%s %s = %d %q; want %d %q", tc.method, tc.target, w.Code, w.Body, tc.code, tc.body)
		}
	}

	s.ready.Store(true)
	w := httptest.NewRecorder()
	s.serveHTTP(w, httptest.NewRequest(http.MethodGet, "/ready", nil))
	if got := strings.TrimSpace(w.Body.String()); got != `{"ready":true}` {
		t.Errorf("GET /ready after the first sync = %s; want ready", got)
	}
}

func TestEmptyListIsAnArray(t *testing.T) {
	s := newServer(t, Options{})
	w := httptest.NewRecorder()
	s.serveHTTP(w, httptest.NewRequest(http.MethodGet, "/policies/", nil))
	if got := strings.TrimSpace(w.Body.String()); got != "[]" {
		t.Fatalf("GET /policies/ with nothing installed = %s; want []", got)
	}
}
