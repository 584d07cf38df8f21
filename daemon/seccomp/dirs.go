package seccomp

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// dirCache keeps the storage's directories open, so that writing a
// profile is a handful of system calls on a directory handle instead of
// resolving every path component through the root again for each of the
// read, create, rename and sync a write takes (a quarter of a daemon's
// CPU when a thousand profiles arrive at once). A handle stays on the
// directory it was opened on even if the path is later swapped.
type dirCache struct {
	mu   sync.Mutex
	open map[string]*storeDir
}

// storeDir is one open directory of the storage: root for operations on
// its entries, file for syncing the directory itself. Two descriptors per
// directory: a namespace's profiles and their audit copies, four.
type storeDir struct {
	root *os.Root
	file *os.File
}

// openDir returns the open directory at rel (relative to the storage root),
// creating it when missing.
func (s *Store) openDir(rel string) (*storeDir, error) {
	s.dirs.mu.Lock()
	defer s.dirs.mu.Unlock()
	if d := s.dirs.open[rel]; d != nil {
		return d, nil
	}
	if err := s.root.MkdirAll(rel, 0o755); err != nil {
		return nil, fmt.Errorf("create %s: %w", rel, err)
	}
	r, err := s.root.OpenRoot(rel)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", rel, err)
	}
	f, err := r.Open(".")
	if err != nil {
		_ = r.Close()
		return nil, fmt.Errorf("open %s: %w", rel, err)
	}
	d := &storeDir{root: r, file: f}
	if s.dirs.open == nil {
		s.dirs.open = map[string]*storeDir{}
	}
	s.dirs.open[rel] = d
	return d, nil
}

// forgetDir closes the open directory at rel, if any: it was removed, or
// an operation on it failed (someone removed it), so the next write opens
// (and creates) it again.
func (s *Store) forgetDir(rel string) {
	s.dirs.mu.Lock()
	d := s.dirs.open[rel]
	delete(s.dirs.open, rel)
	s.dirs.mu.Unlock()
	if d != nil {
		_ = d.file.Close()
		_ = d.root.Close()
	}
}

// closeDirs closes every open directory.
func (s *Store) closeDirs() {
	s.dirs.mu.Lock()
	open := s.dirs.open
	s.dirs.open = nil
	s.dirs.mu.Unlock()
	for _, d := range open {
		_ = d.file.Close()
		_ = d.root.Close()
	}
}

// write stores data as the file name in the storage directory dir unless
// it already holds exactly that, so an unchanged profile keeps its mtime.
// The file is written to a temporary name, synced and renamed, and the
// directory synced, so the kubelet or a runtime never reads a
// half-written profile and the rename survives a crash.
// A directory removed from under an open handle (by Remove, or by hand)
// fails the write; it is then opened, and created, once more.
func (s *Store) write(dir, name string, data []byte) (bool, error) {
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		var d *storeDir
		if d, err = s.openDir(dir); err != nil {
			return false, err
		}
		var changed bool
		if changed, err = d.write(name, data); err == nil {
			return changed, nil
		}
		s.forgetDir(dir)
	}
	return false, fmt.Errorf("%s: %w", filepath.Join(dir, name), err)
}

func (d *storeDir) write(name string, data []byte) (bool, error) {
	if old, err := d.root.ReadFile(name); err == nil && bytes.Equal(old, data) {
		return false, nil
	}
	tmp, err := d.writeTemp(data)
	if err != nil {
		return false, err
	}
	if err := d.root.Rename(tmp, name); err != nil {
		_ = d.root.Remove(tmp)
		return false, fmt.Errorf("rename: %w", err)
	}
	if err := d.file.Sync(); err != nil {
		return false, fmt.Errorf("sync directory: %w", err)
	}
	return true, nil
}

func (d *storeDir) writeTemp(data []byte) (string, error) {
	suffix := make([]byte, 8)
	_, _ = rand.Read(suffix)
	tmp := tempPrefix + hex.EncodeToString(suffix)
	f, err := d.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", fmt.Errorf("create temporary file: %w", err)
	}
	_, werr := f.Write(data)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		_ = d.root.Remove(tmp)
		return "", fmt.Errorf("write temporary file: %w", err)
	}
	return tmp, nil
}
