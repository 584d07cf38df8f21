package seccomp

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/securityprofiles/operator/internal/podprofiles"
)

// DefaultStorageDir is the rootless profile storage that is linked into
// the kubelet root as seccomp/operator.
const DefaultStorageDir = "/var/lib/security-profiles-operator"

// Store writes profile files below the storage directory. Every access
// goes through an os.Root, so no name, however crafted, reaches a file
// outside it.
type Store struct {
	root *os.Root
	dir  string
	dirs dirCache
}

// OpenStore creates the storage directory and links it into the kubelet
// root as <kubeletDir>/seccomp/operator, where the kubelet resolves
// localhostProfile: operator/<namespace>/<name>.json.
func OpenStore(storageDir, kubeletDir string) (*Store, error) {
	if err := os.MkdirAll(storageDir, 0o755); err != nil {
		return nil, fmt.Errorf("create profile storage %s: %w", storageDir, err)
	}
	if err := linkIntoKubelet(storageDir, filepath.Join(kubeletDir, "seccomp", "operator")); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(storageDir)
	if err != nil {
		return nil, fmt.Errorf("open profile storage %s: %w", storageDir, err)
	}
	s := &Store{root: root, dir: storageDir}
	if err := s.removeStaleTemps(); err != nil {
		_ = root.Close()
		return nil, err
	}
	return s, nil
}

// removeStaleTemps deletes the temporary files of writes cut short by a
// crash (between creating and renaming). It runs before any reconciler
// can be writing, so no temporary file it sees is in use.
func (s *Store) removeStaleTemps() error {
	return fs.WalkDir(s.root.FS(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && strings.HasPrefix(d.Name(), tempPrefix) {
			if err := s.root.Remove(path); err != nil {
				return fmt.Errorf("remove stale temporary file %s: %w", path, err)
			}
		}
		return nil
	})
}

const tempPrefix = ".tmp-"

// linkIntoKubelet makes link a symlink to target. An existing link is
// repointed; an empty directory is replaced; anything else is left alone
// and reported, since it may hold profiles someone else manages.
func linkIntoKubelet(target, link string) error {
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(link), err)
	}
	fi, err := os.Lstat(link)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("inspect %s: %w", link, err)
	case fi.Mode()&fs.ModeSymlink != 0:
		if dest, err := os.Readlink(link); err == nil && dest == target {
			return nil
		}
		if err := os.Remove(link); err != nil {
			return fmt.Errorf("replace link %s: %w", link, err)
		}
	case fi.IsDir():
		if err := os.Remove(link); err != nil {
			return fmt.Errorf("%s is a non-empty directory, not a link to %s: %w", link, target, err)
		}
	default:
		return fmt.Errorf("%s exists and is not a directory or link", link)
	}
	if err := os.Symlink(target, link); err != nil {
		return fmt.Errorf("link %s to %s: %w", link, target, err)
	}
	return nil
}

// Close releases the storage root.
func (s *Store) Close() error {
	s.closeDirs()
	return s.root.Close()
}

// Path is the absolute path of a profile's file.
func (s *Store) Path(namespace, name string) string {
	return filepath.Join(s.dir, namespace, name+".json")
}

// AuditPath is the absolute path of a profile's audit-mode copy.
func (s *Store) AuditPath(namespace, name string) string {
	return filepath.Join(s.dir, namespace, podprofiles.AuditDir, name+".json")
}

// relPath checks that namespace and name are what the API server allows
// (DNS labels and subdomains: no slashes, no "..") before they become a
// path, as defence in depth behind os.Root.
func relPath(namespace, name string) (string, error) {
	if errs := validation.IsDNS1123Label(namespace); len(errs) > 0 {
		return "", fmt.Errorf("namespace %q: %v", namespace, errs)
	}
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		return "", fmt.Errorf("name %q: %v", name, errs)
	}
	return filepath.Join(namespace, name+".json"), nil
}

// Write stores data as the profile's file unless it already holds exactly
// that, so an unchanged profile keeps its mtime. The file is written to a
// temporary name, synced and renamed, so the kubelet or a runtime never
// reads a half-written profile. It reports whether the file changed.
func (s *Store) Write(namespace, name string, data []byte) (bool, error) {
	rel, err := relPath(namespace, name)
	if err != nil {
		return false, err
	}
	return s.write(namespace, filepath.Base(rel), data)
}

// WriteAudit stores data as the profile's audit-mode copy, at
// <namespace>/audit/<name>.json (operator/<namespace>/audit/<name>.json
// for the kubelet), atomically as Write does.
func (s *Store) WriteAudit(namespace, name string, data []byte) (bool, error) {
	rel, err := relPath(namespace, name)
	if err != nil {
		return false, err
	}
	return s.write(filepath.Join(namespace, podprofiles.AuditDir), filepath.Base(rel), data)
}

// WriteOperatorProfile stores a profile the operator itself ships (such as
// the log-all profile for log-based recording) at the top of the storage,
// operator/<name>.json for the kubelet. Namespace directories never end in
// .json, so it cannot collide with a user's profile.
func (s *Store) WriteOperatorProfile(name string, data []byte) (bool, error) {
	if errs := validation.IsDNS1123Subdomain(name); len(errs) > 0 {
		return false, fmt.Errorf("name %q: %v", name, errs)
	}
	return s.write(".", name+".json", data)
}

// syncDir makes a rename durable across a crash.
func (s *Store) syncDir(dir string) error {
	d, err := s.root.Open(dir)
	if err != nil {
		return fmt.Errorf("open %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// Remove deletes the profile's file and its audit-mode copy; missing
// files are not an error. It reports whether a file was removed.
func (s *Store) Remove(namespace, name string) (bool, error) {
	rel, err := relPath(namespace, name)
	if err != nil {
		return false, err
	}
	auditDir := filepath.Join(namespace, podprofiles.AuditDir)
	removed := false
	for _, file := range []string{filepath.Join(auditDir, filepath.Base(rel)), rel} {
		if err := s.root.Remove(file); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return removed, fmt.Errorf("remove %s: %w", file, err)
		}
		removed = true
	}
	if !removed {
		return false, nil
	}
	// Drop the directories once empty; non-empty ones stay.
	s.forgetDir(auditDir)
	s.forgetDir(namespace)
	_ = s.root.Remove(auditDir)
	_ = s.root.Remove(namespace)
	return true, s.syncDir(".")
}
