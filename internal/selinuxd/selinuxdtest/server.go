package selinuxdtest

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/securityprofiles/operator/internal/selinuxd"
)

// maxSocketPath is the longest path a UNIX socket address holds on Linux
// (sun_path is 108 bytes, NUL included).
const maxSocketPath = 107

// Options say where a Server serves, what it watches and where it
// installs.
type Options struct {
	Socket    string // unix socket path to serve on; its directory is created
	PolicyDir string // directory to watch for <policy>.cil files
	Store     *Store // where policies are installed
}

// Server is a running stand-in for selinuxd.
type Server struct {
	t     testing.TB
	store *Store
	dir   selinuxd.PolicyDir
	work  string // private copies of the files being installed
	ready atomic.Bool

	mu     sync.Mutex
	status map[string]selinuxd.Status // the verdicts served, by policy
	seen   map[string]bool            // every policy this server installed or tried to

	// Owned by the watch goroutine: the digest of each file last handled.
	digests map[string][32]byte
}

func newServer(t testing.TB, o Options) *Server {
	return &Server{
		t:       t,
		store:   o.Store,
		dir:     selinuxd.PolicyDir{Path: o.PolicyDir},
		status:  map[string]selinuxd.Status{},
		seen:    map[string]bool{},
		digests: map[string][32]byte{},
	}
}

// Start serves selinuxd's API on o.Socket until t ends, installing the
// policy files in o.PolicyDir into o.Store as they come and go. It returns
// once the files present at start are handled, when GET /ready turns true.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	if o.Store == nil || o.Socket == "" || o.PolicyDir == "" {
		t.Fatalf("selinuxdtest.Start: Socket, PolicyDir and Store are required: %+v", o)
	}
	s := newServer(t, o)
	s.work = t.TempDir()
	l := listen(t, o.Socket)
	srv := &http.Server{Handler: http.HandlerFunc(s.serveHTTP), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()

	ctx, cancel := context.WithCancel(context.Background())
	synced, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		s.watch(ctx, synced)
	}()
	// Cancelling kills a semodule still running; the store copy is thrown
	// away with the test anyway.
	t.Cleanup(func() {
		cancel()
		_ = srv.Close()
		<-stopped
	})
	<-synced
	return s
}

// listen opens the socket, replacing one a previous run left behind.
func listen(t testing.TB, socket string) net.Listener {
	t.Helper()
	if len(socket) > maxSocketPath {
		t.Fatalf("socket path %q is %d bytes; UNIX sockets allow %d", socket, len(socket), maxSocketPath)
	}
	if err := os.MkdirAll(filepath.Dir(socket), 0o755); err != nil {
		t.Fatalf("create socket directory: %v", err)
	}
	if fi, err := os.Lstat(socket); err == nil && fi.Mode().Type() == fs.ModeSocket {
		_ = os.Remove(socket)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("inspect socket path: %v", err)
	}
	l, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatalf("listen on %s: %v", socket, err)
	}
	return l
}

// Installed returns the modules this server installed that the store
// holds now, sorted: what `semodule -l` on a node would show of the
// daemon's policies.
func (s *Server) Installed() []string {
	modules, err := s.store.modules(context.Background())
	if err != nil {
		s.t.Errorf("selinuxdtest: %v", err)
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.DeleteFunc(modules, func(m string) bool { return !s.seen[m] })
}

// setStatus records a verdict; forget drops it, so GET answers 404.
func (s *Server) setStatus(policy string, st selinuxd.Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status[policy] = st
	s.seen[policy] = true
}

func (s *Server) forget(policy string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.status, policy)
}
