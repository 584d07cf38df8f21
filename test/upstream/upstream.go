// Package upstream finds the reference data of the upstream operator that
// lies beside the repository in ../shared/upstream (read-only, never
// copied into the repository). Tests that compare with it skip when it is
// absent.
package upstream

import (
	"os"
	"path/filepath"
	"testing"
)

// GoldenFile returns the path of ../shared/upstream/golden/<parts…>
// relative to the repository root, or skips the test when it is absent.
func GoldenFile(t testing.TB, parts ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{dir(t), "golden"}, parts...)...)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("upstream golden file absent: %v", err)
	}
	return p
}

// Examples returns the upstream objects in ../shared/upstream/examples
// whose file names match pattern, or skips the test when there are none.
func Examples(t testing.TB, pattern string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir(t), "examples", pattern))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Skipf("no upstream examples match %s", pattern)
	}
	return files
}

// dir is ../shared/upstream beside the repository root.
func dir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "upstream")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("repository root not found")
		}
		dir = parent
	}
}
