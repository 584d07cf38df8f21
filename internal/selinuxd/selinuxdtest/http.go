package selinuxdtest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/securityprofiles/operator/internal/selinuxd"
)

// The wire format, written from the protocol rather than shared with the
// client, so that client and server can only agree by both being right.
type readyAnswer struct {
	Ready bool `json:"ready"`
}

type statusAnswer struct {
	Status string `json:"status"`
	Msg    string `json:"msg"`
}

// serveHTTP answers selinuxd's API: GET /ready, GET /policies/ and
// GET /policies/<policy>; anything else is a 400, as selinuxd does.
// r.URL.Path is matched as is (no ServeMux cleaning or redirects), so a
// name that is not a valid policy name never matches a policy.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(w, "only GET is allowed", http.StatusBadRequest)
		return
	}
	path := r.URL.Path
	policy, isPolicy := strings.CutPrefix(path, "/policies/")
	switch {
	case path == "/ready":
		writeJSON(w, readyAnswer{Ready: s.ready.Load()})
	case path == "/policies/":
		writeJSON(w, s.installedPolicies())
	case isPolicy && selinuxd.ValidPolicyName(policy) == nil:
		s.mu.Lock()
		st, ok := s.status[policy]
		s.mu.Unlock()
		if !ok {
			http.Error(w, "policy not found", http.StatusNotFound)
			return
		}
		writeJSON(w, statusAnswer{Status: string(st.State), Msg: st.Message})
	default:
		http.Error(w, "unknown path", http.StatusBadRequest)
	}
}

// installedPolicies lists the policies whose last install succeeded,
// sorted, never nil (it is served as [] rather than null).
func (s *Server) installedPolicies() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	names := []string{}
	for policy, st := range s.status {
		if st.State == selinuxd.StateInstalled {
			names = append(names, policy)
		}
	}
	slices.Sort(names)
	return names
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
