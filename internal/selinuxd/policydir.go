package selinuxd

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// DefaultPolicyDir is the directory the daemon shares with selinuxd.
const DefaultPolicyDir = "/etc/selinux.d"

// PolicyDir writes and removes policy files in the directory selinuxd
// watches. Every access goes through an os.Root, so a symlink planted in
// the directory cannot redirect a write or removal outside it.
type PolicyDir struct {
	Path string
}

// Write makes <policy>.cil hold cil, creating the directory if needed. An
// unchanged file is left alone (selinuxd would reinstall it on a write
// event, at a cost of seconds); a changed one is replaced atomically, so
// selinuxd never installs half a policy. It reports whether the file
// changed.
func (d PolicyDir) Write(policy string, cil []byte) (changed bool, err error) {
	if err := ValidPolicyName(policy); err != nil {
		return false, err
	}
	if err := os.MkdirAll(d.Path, 0o755); err != nil {
		return false, fmt.Errorf("create policy directory: %w", err)
	}
	root, err := os.OpenRoot(d.Path)
	if err != nil {
		return false, fmt.Errorf("open policy directory: %w", err)
	}
	defer root.Close()
	file := policy + cilSuffix
	if old, err := root.ReadFile(file); err == nil && bytes.Equal(old, cil) {
		return false, nil
	}
	tmp, err := writeTemp(root, cil)
	if err != nil {
		return false, fmt.Errorf("write policy %s: %w", policy, err)
	}
	if err := root.Rename(tmp, file); err != nil {
		_ = root.Remove(tmp)
		return false, fmt.Errorf("write policy %s: %w", policy, err)
	}
	return true, syncDir(root)
}

// tempPrefix starts the names of files being written.
const tempPrefix = "tmp-"

// RemoveStaleTemps deletes the temporary files of writes a crash cut
// short (between creating and renaming them), which nothing else would
// ever remove. Call it before anything writes to the directory.
func (d PolicyDir) RemoveStaleTemps() error {
	entries, err := os.ReadDir(d.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("list policy directory: %w", err)
	}
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasPrefix(e.Name(), tempPrefix) {
			if err := os.Remove(filepath.Join(d.Path, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("remove stale temporary file: %w", err)
			}
		}
	}
	return nil
}

// writeTemp writes data to a new file in root, world-readable whatever the
// umask, since selinuxd may run as another user. Its name has no dot:
// selinuxd ignores files without an extension, so it never tries to
// install a temporary file, and no policy file can have that name.
func writeTemp(root *os.Root, data []byte) (string, error) {
	suffix := make([]byte, 8)
	_, _ = rand.Read(suffix)
	name := tempPrefix + hex.EncodeToString(suffix)
	f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", err
	}
	_, werr := f.Write(data)
	merr := f.Chmod(0o644)
	serr := f.Sync()
	cerr := f.Close()
	if err := errors.Join(werr, merr, serr, cerr); err != nil {
		_ = root.Remove(name)
		return "", err
	}
	return name, nil
}

// syncDir makes a rename or removal durable across a crash.
func syncDir(root *os.Root) error {
	d, err := root.Open(".")
	if err != nil {
		return fmt.Errorf("open policy directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync policy directory: %w", err)
	}
	return nil
}

// Remove deletes <policy>.cil, which makes selinuxd remove the module. A
// missing file or directory is not an error. It reports whether a file was
// removed.
func (d PolicyDir) Remove(policy string) (removed bool, err error) {
	if err := ValidPolicyName(policy); err != nil {
		return false, err
	}
	root, err := os.OpenRoot(d.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("open policy directory: %w", err)
	}
	defer root.Close()
	if err := root.Remove(policy + cilSuffix); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return false, fmt.Errorf("remove policy %s: %w", policy, err)
	}
	return true, syncDir(root)
}

// List returns the policy names of the <policy>.cil files in the
// directory, sorted; nothing when the directory does not exist. Files
// whose names ValidPolicyName rejects are not ours and are left out.
func (d PolicyDir) List() ([]string, error) {
	entries, err := os.ReadDir(d.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list policy directory: %w", err)
	}
	var policies []string
	for _, e := range entries {
		policy, ok := strings.CutSuffix(e.Name(), cilSuffix)
		if !ok || !e.Type().IsRegular() || ValidPolicyName(policy) != nil {
			continue
		}
		policies = append(policies, policy)
	}
	return policies, nil
}
