package selinuxdtest

import (
	"context"
	"crypto/sha256"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/securityprofiles/operator/internal/selinuxd"
)

// pollInterval is how often the policy directory is read. Polling sees
// every file that stays longer than this, and an install takes seconds
// anyway, so it costs no test time that inotify would save.
const pollInterval = 150 * time.Millisecond

// watch handles the directory once, signals synced, then keeps handling
// it until ctx ends.
func (s *Server) watch(ctx context.Context, synced chan<- struct{}) {
	s.sync(ctx)
	s.ready.Store(true)
	close(synced)
	ticker := time.NewTicker(pollInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			s.sync(ctx)
		}
	}
}

// sync installs each new or changed policy file and removes the module
// of each file that went away. Like selinuxd, it goes by content: a file
// rewritten with the same bytes is not reinstalled.
func (s *Server) sync(ctx context.Context) {
	files, err := s.readPolicyFiles()
	if err != nil {
		s.t.Logf("selinuxdtest: %v", err)
		return
	}
	for _, policy := range slices.Sorted(maps.Keys(files)) {
		if ctx.Err() != nil {
			return
		}
		digest := sha256.Sum256(files[policy])
		if old, ok := s.digests[policy]; ok && old == digest {
			continue
		}
		s.digests[policy] = digest
		s.install(ctx, policy, files[policy])
	}
	for policy := range s.digests {
		if _, ok := files[policy]; !ok && ctx.Err() == nil {
			delete(s.digests, policy)
			s.remove(ctx, policy)
		}
	}
}

// readPolicyFiles reads every policy file in the directory. A file removed
// since the listing is left out: the next pass sees it gone.
func (s *Server) readPolicyFiles() (map[string][]byte, error) {
	policies, err := s.dir.List()
	if err != nil || len(policies) == 0 {
		return nil, err
	}
	root, err := os.OpenRoot(s.dir.Path)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	files := map[string][]byte{}
	for _, policy := range policies {
		if cil, err := root.ReadFile(policy + ".cil"); err == nil {
			files[policy] = cil
		}
	}
	return files, nil
}

// install installs a private copy of the file, so what semodule reads is
// what was hashed even if the file changes meanwhile.
func (s *Server) install(ctx context.Context, policy string, cil []byte) {
	file := filepath.Join(s.work, policy+".cil")
	if err := os.WriteFile(file, cil, 0o600); err != nil {
		s.t.Logf("selinuxdtest: %v", err)
		return
	}
	defer os.Remove(file)
	out, err := s.store.install(ctx, file)
	if ctx.Err() != nil {
		return // killed at the end of the test: no verdict
	}
	st := selinuxd.Status{State: selinuxd.StateInstalled}
	if err != nil {
		st = selinuxd.Status{State: selinuxd.StateFailed, Message: out}
		if out == "" {
			st.Message = err.Error()
		}
	}
	s.setStatus(policy, st)
}

// remove removes the module of a deleted file and forgets its verdict.
// A file whose install failed left no module (or an older version of it,
// which goes too).
func (s *Server) remove(ctx context.Context, policy string) {
	modules, err := s.store.modules(ctx)
	if err != nil {
		s.t.Logf("selinuxdtest: %v", err)
		return
	}
	if slices.Contains(modules, policy) {
		if out, err := s.store.remove(ctx, policy); err != nil {
			if ctx.Err() == nil {
				s.setStatus(policy, selinuxd.Status{State: selinuxd.StateFailed, Message: "remove: " + out})
			}
			return
		}
	}
	s.forget(policy)
}
