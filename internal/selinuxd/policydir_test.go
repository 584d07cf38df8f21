package selinuxd

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"
)

const testCIL = "(block foo_ns (blockinherit container))\n"

func TestWriteCreatesReplacesAndSkipsEqualContent(t *testing.T) {
	// The directory does not exist yet: Write creates it.
	d := PolicyDir{Path: filepath.Join(t.TempDir(), "selinux.d")}
	file := filepath.Join(d.Path, "foo_ns.cil")

	// A restrictive umask must not make the file unreadable for selinuxd.
	old := syscall.Umask(0o077)
	changed, err := d.Write("foo_ns", []byte(testCIL))
	syscall.Umask(old)
	if err != nil || !changed {
		t.Fatalf("first Write() = %v, %v; want true, nil", changed, err)
	}
	assertFile(t, file, testCIL)
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("mode of %s = %v, %v; want 0644", file, fi.Mode().Perm(), err)
	}

	// Same content: no write, so selinuxd sees no event and the mtime stays.
	past := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := os.Chtimes(file, past, past); err != nil {
		t.Fatal(err)
	}
	if changed, err := d.Write("foo_ns", []byte(testCIL)); err != nil || changed {
		t.Fatalf("Write() of equal content = %v, %v; want false, nil", changed, err)
	}
	if fi, _ := os.Stat(file); !fi.ModTime().Equal(past) {
		t.Fatalf("Write() of equal content touched the file: mtime %v", fi.ModTime())
	}

	if changed, err := d.Write("foo_ns", []byte("(block foo_ns)\n")); err != nil || !changed {
		t.Fatalf("Write() of new content = %v, %v; want true, nil", changed, err)
	}
	assertFile(t, file, "(block foo_ns)\n")
	// No temporary file is left behind.
	assertEntries(t, d.Path, "foo_ns.cil")
}

func TestWriteDoesNotFollowPlantedSymlinks(t *testing.T) {
	base := t.TempDir()
	outside := filepath.Join(base, "outside")
	if err := os.WriteFile(outside, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := PolicyDir{Path: filepath.Join(base, "selinux.d")}
	if err := os.Mkdir(d.Path, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(d.Path, "evil_ns.cil")); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Write("evil_ns", []byte(testCIL)); err != nil {
		t.Fatalf("Write() over a symlink: %v", err)
	}
	assertFile(t, outside, "keep")
	// The link itself was replaced by the policy file.
	if fi, err := os.Lstat(filepath.Join(d.Path, "evil_ns.cil")); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("evil_ns.cil after Write(): %v, %v; want a regular file", fi, err)
	}
}

func TestInvalidNamesTouchNothing(t *testing.T) {
	base := t.TempDir()
	d := PolicyDir{Path: filepath.Join(base, "a", "selinux.d")}
	if err := os.MkdirAll(d.Path, 0o755); err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(base, "a", "victim.cil")
	if err := os.WriteFile(victim, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"../victim", "../x", "a/b", "/etc/passwd", ".hidden", "..", ""} {
		if _, err := d.Write(name, []byte(testCIL)); !errors.Is(err, ErrInvalidName) {
			t.Errorf("Write(%q) error = %v; want ErrInvalidName", name, err)
		}
		if _, err := d.Remove(name); !errors.Is(err, ErrInvalidName) {
			t.Errorf("Remove(%q) error = %v; want ErrInvalidName", name, err)
		}
	}
	assertFile(t, victim, "keep")
	assertEntries(t, d.Path)
	assertEntries(t, filepath.Join(base, "a"), "selinux.d", "victim.cil")
}

func TestRemove(t *testing.T) {
	d := PolicyDir{Path: t.TempDir()}
	if _, err := d.Write("foo_ns", []byte(testCIL)); err != nil {
		t.Fatal(err)
	}
	if removed, err := d.Remove("foo_ns"); err != nil || !removed {
		t.Fatalf("Remove() of a present file = %v, %v; want true, nil", removed, err)
	}
	assertEntries(t, d.Path)
	if removed, err := d.Remove("foo_ns"); err != nil || removed {
		t.Fatalf("Remove() of a missing file = %v, %v; want false, nil", removed, err)
	}
	gone := PolicyDir{Path: filepath.Join(d.Path, "missing")}
	if removed, err := gone.Remove("foo_ns"); err != nil || removed {
		t.Fatalf("Remove() in a missing directory = %v, %v; want false, nil", removed, err)
	}
}

func TestPolicyDirList(t *testing.T) {
	d := PolicyDir{Path: t.TempDir()}
	for _, name := range []string{"b_ns.cil", "a.x_ns.cil", "notes.txt", "tmp-0123", ".hidden.cil", "sp ace.cil", "a_ns.cil.bak"} {
		if err := os.WriteFile(filepath.Join(d.Path, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(d.Path, "dir_ns.cil"), 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := d.List()
	if want := []string{"a.x_ns", "b_ns"}; err != nil || !slices.Equal(got, want) {
		t.Fatalf("List() = %q, %v; want %q", got, err, want)
	}
	gone := PolicyDir{Path: filepath.Join(d.Path, "missing")}
	if got, err := gone.List(); err != nil || len(got) != 0 {
		t.Fatalf("List() of a missing directory = %q, %v; want nothing", got, err)
	}
}

func assertFile(t *testing.T, path, want string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil || string(got) != want {
		t.Fatalf("%s holds %q, %v; want %q", path, got, err, want)
	}
}

func assertEntries(t *testing.T, dir string, want ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if !slices.Equal(got, want) {
		t.Fatalf("%s holds %q; want %q", dir, got, want)
	}
}

// A crash between creating a temporary file and renaming it leaves the
// file behind; the next start removes it and nothing else.
func TestRemoveStaleTemps(t *testing.T) {
	dir := PolicyDir{Path: t.TempDir()}
	if _, err := dir.Write("kept_ns", []byte("(block kept_ns)\n")); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(dir.Path, tempPrefix+"0123456789abcdef")
	other := filepath.Join(dir.Path, "notes.txt")
	for _, f := range []string{stale, other} {
		if err := os.WriteFile(f, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := dir.RemoveStaleTemps(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale temporary file still there: %v", err)
	}
	for _, f := range []string{other, filepath.Join(dir.Path, "kept_ns.cil")} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("%s removed: %v", f, err)
		}
	}
	if err := (PolicyDir{Path: filepath.Join(dir.Path, "missing")}).RemoveStaleTemps(); err != nil {
		t.Errorf("a policy directory not made yet: %v", err)
	}
}
