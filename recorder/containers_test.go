//go:build !no_bpf

package recorder_test

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
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/securityprofiles/operator/internal/seccompfilter"
	"github.com/securityprofiles/operator/recorder"
	"github.com/securityprofiles/operator/test/require"
)

// unifiedCgroupRoot is where cgroup v2 is mounted on hybrid hosts; pure v2
// hosts mount it at /sys/fs/cgroup.
func unifiedCgroupRoot(t *testing.T) string {
	for _, dir := range []string{"/sys/fs/cgroup/unified", "/sys/fs/cgroup"} {
		if _, err := os.Stat(filepath.Join(dir, "cgroup.procs")); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "cgroup.controllers")); err == nil {
				return dir
			}
		}
	}
	t.Fatal("no cgroup v2 hierarchy mounted")
	return ""
}

// fakeContainer is a cgroup named like a container, with a new ID.
type fakeContainer struct {
	id string
	fd *os.File
}

func newFakeContainer(t *testing.T) fakeContainer {
	t.Helper()
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	id := hex.EncodeToString(raw)
	dir := filepath.Join(unifiedCgroupRoot(t), "spo-recorder-test", id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("create cgroup: %v", err)
	}
	fd, err := os.Open(dir)
	if err != nil {
		t.Fatalf("open cgroup: %v", err)
	}
	t.Cleanup(func() {
		fd.Close()
		_ = os.Remove(dir)
		_ = os.Remove(filepath.Dir(dir))
	})
	return fakeContainer{id: id, fd: fd}
}

// start runs argv as the container's workload: a new mount namespace, the
// container's cgroup from the start (clone3 into the cgroup), so the
// recorder sees exactly what a runtime's execve of a workload looks like.
func (c fakeContainer) run(argv []string) error {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWNS,
		UseCgroupFD: true,
		CgroupFD:    int(c.fd.Fd()),
	}
	return cmd.Run()
}

// straceNames runs argv under strace -f and returns the syscall names it
// printed.
func straceNames(t *testing.T, argv []string) []string {
	t.Helper()
	strace := require.Command(t, "strace")
	out := filepath.Join(t.TempDir(), "strace.out")
	cmd := exec.Command(strace, append([]string{"-f", "-qq", "-o", out}, argv...)...)
	if err := cmd.Run(); err != nil {
		t.Fatalf("strace %v: %v", argv, err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// "<pid> name(args…" or "name(args…"; resumed calls ("<... read
		// resumed>") were already counted when they started.
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

// programs are real programs with arguments; each does different I/O.
var programs = [][]string{
	{"/bin/true"},
	{"/bin/ls", "-l", "/"},
	{"/bin/cat", "/etc/hostname"},
	{"/bin/date", "-u"},
	{"/usr/bin/env"},
	{"/usr/bin/id"},
	{"/bin/uname", "-a"},
	{"/usr/bin/head", "-c", "64", "/etc/passwd"},
	{"/usr/bin/sha256sum", "/etc/os-release"},
	{"/bin/sh", "-c", "cd /tmp && echo hi > /dev/null && /bin/sleep 0.01"},
}

func TestContainersRecordExactlyWhatStraceSees(t *testing.T) {
	g := NewWithT(t)
	r := load(t)
	c, err := r.CaptureContainers("/proc", nil)
	g.Expect(err).NotTo(HaveOccurred())
	defer c.Close()
	arch, err := seccompfilter.NativeArch()
	g.Expect(err).NotTo(HaveOccurred())

	for _, argv := range programs {
		container := newFakeContainer(t)
		// A decoy with the same comm on the host does more (ls -R reads
		// every directory): none of it may reach the container's profile.
		decoy := exec.Command(argv[0], "-R", "/usr/share/doc")
		decoy.Stdout, decoy.Stderr = nil, nil
		g.Expect(decoy.Start()).To(Succeed())
		g.Expect(container.run(argv)).To(Succeed(), "%v", argv)
		_ = decoy.Wait()

		var res recorder.Result
		g.Eventually(func() bool {
			var ok bool
			res, ok, err = c.Collect(container.id)
			return ok
		}).WithTimeout(5*time.Second).Should(BeTrue(), "container of %v never found", argv)
		g.Expect(err).NotTo(HaveOccurred())
		named, err := seccompfilter.Names(arch, res.IDs)
		g.Expect(err).NotTo(HaveOccurred())
		got := append(named.Names, "execve") // the first execve precedes the namespace's bitmap
		slices.Sort(got)
		got = slices.Compact(got)
		g.Expect(got).To(Equal(straceNames(t, argv)), "%v", argv)
	}
}

func TestContainersIgnoreHostProcessesAndSweep(t *testing.T) {
	g := NewWithT(t)
	r := load(t)
	c, err := r.CaptureContainers("/proc", nil)
	g.Expect(err).NotTo(HaveOccurred())
	defer c.Close()

	// A private mount namespace outside any container is dropped at once.
	cmd := exec.Command("/bin/true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS}
	g.Expect(cmd.Run()).To(Succeed())

	container := newFakeContainer(t)
	g.Expect(container.run([]string{"/bin/true"})).To(Succeed())
	g.Eventually(func() (int, error) {
		s, err := c.Stats()
		return s.Tracked, err
	}).WithTimeout(5 * time.Second).Should(BeNumerically(">=", 2))

	// Sweep keeps what a recording wants, then drops it when unwanted.
	keep := func(id string) bool { return id == container.id }
	_, err = c.Sweep(keep, 0)
	g.Expect(err).NotTo(HaveOccurred())
	_, ok, err := c.Collect(container.id)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(ok).To(BeTrue())

	other := newFakeContainer(t)
	g.Expect(other.run([]string{"/bin/true"})).To(Succeed())
	g.Eventually(func() bool {
		_, err := c.Sweep(func(string) bool { return true }, time.Hour)
		g.Expect(err).NotTo(HaveOccurred())
		s, _ := c.Stats()
		return s.Tracked > 0
	}).WithTimeout(5 * time.Second).Should(BeTrue())
	dropped, err := c.Sweep(func(string) bool { return false }, 0)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(dropped).To(BeNumerically(">=", 1))
	_, ok, err = c.Collect(other.id)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(ok).To(BeFalse())
	s, err := c.Stats()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(s.NamespacesLost).To(BeZero())
}
