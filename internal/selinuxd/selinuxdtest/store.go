package selinuxdtest

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/securityprofiles/operator/test/require"
)

// hostStore is the policy store selinux-policy-default installs, the one
// every Store starts as a copy of.
const hostStore = "/var/lib/selinux/default"

// storeInRoot is where semodule -p <root> looks for the "default" store.
const storeInRoot = "var/lib/selinux/default"

// containerTemplate is the "container" system policy profiles inherit;
// Debian's reference policy has none.
//
//go:embed testdata/container.cil
var containerTemplate []byte

// Store is a private copy of Debian's real policy store with the
// container template module installed, for one test.
type Store struct {
	root string
}

// NewStore copies the base store (Debian's store plus the container
// template, built once and cached) into a temporary directory of t. It
// needs root and semodule, and skips the test elsewhere (fails it under
// CI=true).
func NewStore(t testing.TB) *Store {
	t.Helper()
	require.Root(t)
	require.Command(t, "semodule")
	if _, err := os.Stat(hostStore); err != nil {
		if require.InCI() {
			t.Fatalf("CI=true but no policy store: %v (install selinux-policy-default)", err)
		}
		t.Skipf("skipping: no policy store: %v", err)
	}
	base, err := baseStore()
	if err != nil {
		t.Fatalf("prepare base policy store: %v", err)
	}
	s := &Store{root: filepath.Join(t.TempDir(), "root")}
	if err := copyTree(base, s.root); err != nil {
		t.Fatalf("copy base policy store: %v", err)
	}
	return s
}

// Root is the policy root semodule is pointed at (semodule -p).
func (s *Store) Root() string { return s.root }

// Modules lists the modules installed in the store, sorted, as
// `semodule -l` does on a node.
func (s *Store) Modules(t testing.TB) []string {
	t.Helper()
	modules, err := s.modules(context.Background())
	if err != nil {
		t.Fatalf("list modules: %v", err)
	}
	return modules
}

var base struct {
	once sync.Once
	dir  string
	err  error
}

// baseStore returns a policy root holding a copy of the host's store with
// the container template installed. Installing the template is a full
// policy rebuild, so the result is kept in the user's cache directory,
// keyed by the host store's commit number and the template: later test
// binaries reuse it, and a change to either builds a new one.
func baseStore() (string, error) {
	base.once.Do(func() { base.dir, base.err = buildBaseStore() })
	return base.dir, base.err
}

func buildBaseStore() (string, error) {
	key, err := baseStoreKey()
	if err != nil {
		return "", err
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	cache = filepath.Join(cache, "securityprofiles-operator", "selinuxdtest")
	dir := filepath.Join(cache, key)
	if _, err := os.Stat(dir); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(cache, 0o700); err != nil {
		return "", err
	}
	build, err := os.MkdirTemp(cache, "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(build) // gone after the rename, unless it failed
	if err := copyTree(hostStore, filepath.Join(build, storeInRoot)); err != nil {
		return "", err
	}
	template := filepath.Join(build, "container.cil")
	if err := os.WriteFile(template, containerTemplate, 0o600); err != nil {
		return "", err
	}
	s := &Store{root: build}
	if out, err := s.install(context.Background(), template); err != nil {
		return "", fmt.Errorf("install container template: %w: %s", err, out)
	}
	if err := os.Remove(template); err != nil {
		return "", err
	}
	// semodule wrote the kernel policy and file contexts under etc/; every
	// commit rewrites them and nothing here reads them, so copies skip them.
	if err := os.RemoveAll(filepath.Join(build, "etc")); err != nil {
		return "", err
	}
	// Another test binary may have finished the same build first; its
	// result is as good as ours.
	if err := os.Rename(build, dir); err != nil {
		if _, statErr := os.Stat(dir); statErr != nil {
			return "", err
		}
	}
	return dir, nil
}

// baseStoreKey names a base store after what it is built from.
func baseStoreKey() (string, error) {
	commit, err := os.ReadFile(filepath.Join(hostStore, "active", "commit_num"))
	if err != nil {
		return "", fmt.Errorf("read host store's commit number: %w", err)
	}
	h := sha256.New()
	for _, part := range [][]byte{[]byte("layout v2"), commit, containerTemplate} {
		fmt.Fprintf(h, "%d:", len(part))
		h.Write(part)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// copyTree copies the directory src to dst (which must not exist) with
// the same permissions. Policy stores hold only directories and regular
// files; anything else is refused rather than copied wrongly.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(target, info.Mode().Perm())
		case d.Type().IsRegular():
			return copyFile(path, target, info.Mode().Perm())
		default:
			return errors.New("copy " + path + ": not a directory or regular file")
		}
	})
}

func copyFile(src, dst string, perm fs.FileMode) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, perm)
}
