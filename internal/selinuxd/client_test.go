package selinuxd

import (
	"context"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSelinuxd serves canned answers on a UNIX socket in a temporary
// directory and records the paths it was asked for.
type fakeSelinuxd struct {
	socket string
	mu     sync.Mutex
	paths  []string
}

type answer struct {
	code int
	body string
}

func serveFake(t *testing.T, answers map[string]answer) *fakeSelinuxd {
	t.Helper()
	f := &fakeSelinuxd{socket: filepath.Join(t.TempDir(), "selinuxd.sock")}
	l, err := net.Listen("unix", f.socket)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.paths = append(f.paths, r.URL.EscapedPath())
		f.mu.Unlock()
		a, ok := answers[r.URL.EscapedPath()]
		if !ok {
			http.Error(w, "unknown path", http.StatusBadRequest)
			return
		}
		w.WriteHeader(a.code)
		_, _ = w.Write([]byte(a.body))
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return f
}

func (f *fakeSelinuxd) asked() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.paths)
}

func TestReady(t *testing.T) {
	for _, tc := range []struct {
		name    string
		answer  answer
		want    bool
		wantErr error
	}{
		{"ready", answer{200, `{"ready": true}`}, true, nil},
		{"not ready", answer{200, `{"ready": false}`}, false, nil},
		{"no field", answer{200, `{}`}, false, ErrBadResponse},
		{"not JSON", answer{200, `ready`}, false, ErrBadResponse},
		{"trailing garbage", answer{200, `{"ready": true} x`}, false, ErrBadResponse},
		{"wrong type", answer{200, `{"ready": "yes"}`}, false, ErrBadResponse},
		{"server error", answer{500, `boom`}, false, ErrBadResponse},
		{"404 is not a policy verdict here", answer{404, ``}, false, ErrBadResponse},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := serveFake(t, map[string]answer{"/ready": tc.answer})
			got, err := NewClient(f.socket).Ready(context.Background())
			if got != tc.want || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("Ready() = %v, %v; want %v, %v", got, err, tc.want, tc.wantErr)
			}
			if errors.Is(err, ErrUnavailable) {
				t.Fatalf("Ready() error %v claims selinuxd was unreachable; it answered", err)
			}
		})
	}
}

func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		name    string
		answer  answer
		want    Status
		wantErr error
	}{
		{"installed", answer{200, `{"status": "Installed", "msg": ""}`}, Status{State: StateInstalled}, nil},
		{"failed", answer{200, `{"status":"Failed","msg":"Failed to resolve allow statement"}`},
			Status{State: StateFailed, Message: "Failed to resolve allow statement"}, nil},
		{"newer state passes through", answer{200, `{"status": "Installing"}`}, Status{State: "Installing"}, nil},
		{"not seen", answer{404, `not found`}, Status{}, ErrNotFound},
		{"no status", answer{200, `{"msg": "x"}`}, Status{}, ErrBadResponse},
		{"not JSON", answer{200, `<html>`}, Status{}, ErrBadResponse},
		{"bad request", answer{400, `Only GET is allowed`}, Status{}, ErrBadResponse},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := serveFake(t, map[string]answer{"/policies/nginx-secure_nginx-deploy": tc.answer})
			got, err := NewClient(f.socket).Status(context.Background(), "nginx-secure_nginx-deploy")
			if got != tc.want || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("Status() = %+v, %v; want %+v, %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestStatusRefusesUnsafeNamesWithoutAsking(t *testing.T) {
	f := serveFake(t, map[string]answer{})
	c := NewClient(f.socket)
	for _, name := range []string{"", "..", "../ready", "a/b", "a b", "a?b", "a%2Fb", ".hidden"} {
		if _, err := c.Status(context.Background(), name); !errors.Is(err, ErrInvalidName) {
			t.Errorf("Status(%q) error = %v; want ErrInvalidName", name, err)
		}
	}
	if asked := f.asked(); len(asked) != 0 {
		t.Fatalf("the client sent requests for invalid names: %q", asked)
	}
}

func TestClientList(t *testing.T) {
	for _, tc := range []struct {
		name    string
		answer  answer
		want    []string
		wantErr error
	}{
		{"sorted", answer{200, `["b_ns", "c_ns", "a_ns"]`}, []string{"a_ns", "b_ns", "c_ns"}, nil},
		{"empty", answer{200, `[]`}, []string{}, nil},
		{"null", answer{200, `null`}, nil, nil},
		{"object", answer{200, `{"a": 1}`}, nil, ErrBadResponse},
		{"404 means a wrong server", answer{404, ``}, nil, ErrBadResponse},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := serveFake(t, map[string]answer{"/policies/": tc.answer})
			got, err := NewClient(f.socket).List(context.Background())
			if !slices.Equal(got, tc.want) || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("List() = %q, %v; want %q, %v", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestEndlessAnswerIsCutOff(t *testing.T) {
	socket := filepath.Join(t.TempDir(), "selinuxd.sock")
	l, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	// A list that never ends: only reading a bounded part of it returns.
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`["`))
		chunk := []byte(strings.Repeat("a", 64<<10))
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })

	_, err = NewClient(socket).List(context.Background())
	if !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("List() of an endless answer: error = %v; want ErrBadResponse saying it is too large", err)
	}
}

func TestUnreachableSelinuxd(t *testing.T) {
	c := NewClient(filepath.Join(t.TempDir(), "no-such.sock"))
	if _, err := c.Ready(context.Background()); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Ready() without a socket: error = %v; want ErrUnavailable", err)
	}
	if _, err := c.Status(context.Background(), "foo_ns"); !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrNotFound) {
		t.Errorf("Status() without a socket: error = %v; want ErrUnavailable only", err)
	}
	if _, err := c.List(context.Background()); !errors.Is(err, ErrUnavailable) {
		t.Errorf("List() without a socket: error = %v; want ErrUnavailable", err)
	}
}

func TestStuckSelinuxdTimesOut(t *testing.T) {
	socket := filepath.Join(t.TempDir(), "selinuxd.sock")
	l, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	// Accepts and never answers until the test ends.
	release := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release })}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { close(release); _ = srv.Close() })

	c := NewClient(socket)
	c.timeout = 50 * time.Millisecond
	_, err = c.Ready(context.Background())
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Ready() of a stuck selinuxd: error = %v; want ErrUnavailable wrapping the deadline", err)
	}
}
