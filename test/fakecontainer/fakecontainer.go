// Package fakecontainer makes, for tests on the real kernel, what a
// container runtime makes of a container, without the runtime: a cgroup
// (v2) named by a fresh 64-hex-digit container ID, and a new mount
// namespace in which the workload is the first execve. It also lists the
// syscalls strace -f sees of a command, which recorded profiles are
// compared with.
package fakecontainer

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
)

// T is what the helpers need of a test (testing.T or GinkgoT()).
type T interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
	TempDir() string
}

// Container is a cgroup named like a container.
type Container struct {
	// ID is the 64-hex-digit container ID, the cgroup's name.
	ID  string
	dir string
}

// New makes a container cgroup, removed when the test ends.
func New(t T) Container {
	t.Helper()
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	id := hex.EncodeToString(raw)
	root := "/sys/fs/cgroup/unified" // hybrid hosts
	if _, err := os.Stat(filepath.Join(root, "cgroup.controllers")); err != nil {
		root = "/sys/fs/cgroup"
	}
	dir := filepath.Join(root, "spo-test", id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("create cgroup: %v", err)
	}
	t.Cleanup(func() { _ = os.Remove(dir); _ = os.Remove(filepath.Dir(dir)) })
	return Container{ID: id, dir: dir}
}

// Start starts cmd as the container's workload: cloned into the cgroup
// (clone3 with CLONE_INTO_CGROUP) and into a new mount namespace, so its
// execve is the first in that namespace, as a runtime's is.
func (c Container) Start(cmd *exec.Cmd) error {
	fd, err := os.Open(c.dir)
	if err != nil {
		return err
	}
	defer fd.Close()
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS, UseCgroupFD: true, CgroupFD: int(fd.Fd())}
	return cmd.Start()
}

// StraceNames runs argv under strace -f and returns the sorted names of
// the syscalls it printed.
func StraceNames(t T, argv []string) []string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "strace.out")
	if err := exec.Command("strace", append([]string{"-f", "-qq", "-o", out}, argv...)...).Run(); err != nil {
		t.Fatalf("strace %v: %v", argv, err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatalf("read strace output: %v", err)
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// "<pid>  name(args…" or "name(args…"; resumed calls ("<... read
		// resumed>") were counted when they started.
		line := sc.Text()
		if i := strings.IndexByte(line, ' '); i > 0 && strings.Trim(line[:i], "0123456789") == "" {
			line = strings.TrimLeft(line[i:], " ")
		}
		end := strings.IndexByte(line, '(')
		if end <= 0 || strings.ContainsAny(line[:end], " <+-") {
			continue
		}
		names = append(names, line[:end])
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// Programs are real programs with arguments, each doing different I/O.
// The shell's child lives long enough for the log enricher to read its
// cgroup before the shell reaps it.
var Programs = [][]string{
	{"/bin/true"},
	{"/bin/ls", "-l", "/"},
	{"/bin/cat", "/etc/hostname"},
	{"/bin/date", "-u"},
	{"/usr/bin/env"},
	{"/usr/bin/id"},
	{"/bin/uname", "-a"},
	{"/usr/bin/head", "-c", "64", "/etc/passwd"},
	{"/usr/bin/sha256sum", "/etc/os-release"},
	{"/bin/sh", "-c", "cd /tmp && echo hi > /dev/null && /bin/sleep 0.2"},
}

// Decoy returns a command line for a host process with the same name
// (comm) as the program argv0 that does other work: find walking a
// directory tree through a link named like the program, so it makes
// syscalls (fchdir, getdents64, …) most programs do not. A recorder that
// attributed by name instead of by container would let them in.
func Decoy(t T, argv0 string) []string {
	t.Helper()
	link := filepath.Join(t.TempDir(), filepath.Base(argv0))
	if err := os.Symlink("/usr/bin/find", link); err != nil {
		t.Fatalf("decoy link: %v", err)
	}
	return []string{link, "/usr/share/doc", "-maxdepth", "2"}
}

// Missing lists the names in have that want lacks.
func Missing(have, want []string) []string {
	return slices.DeleteFunc(slices.Clone(have), func(n string) bool { return slices.Contains(want, n) })
}
