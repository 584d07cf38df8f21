//go:build !no_bpf

package recorder_test

import (
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/securityprofiles/operator/recorder"
	"github.com/securityprofiles/operator/test/require"
)

func load(t *testing.T) *recorder.Recorder {
	t.Helper()
	require.Root(t)
	require.BTF(t)
	r, err := recorder.Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

// waitAll reaps pid and, as a stand-in for a subreaper, polls until the
// recording follows no task any more.
func waitAll(g *WithT, rec *recorder.Recording, pid int) {
	var ws syscall.WaitStatus
	_, err := syscall.Wait4(pid, &ws, 0, nil)
	g.Expect(err).NotTo(HaveOccurred())
	g.Eventually(rec.Tasks).WithTimeout(10 * time.Second).Should(BeEmpty())
}

func TestRecordsProcessTreeFromFirstInstruction(t *testing.T) {
	g := NewWithT(t)
	rec, err := load(t).Start()
	g.Expect(err).NotTo(HaveOccurred())
	defer rec.Stop()

	// The grandchild outlives the shell and is reparented: the fork
	// tracepoint still follows it.
	script := "ls / >/dev/null; (sleep 0.3; mkdir /proc/x 2>/dev/null) & exit 0"
	pid, err := recorder.Exec(rec, "/bin/sh", []string{"sh", "-c", script}, &syscall.ProcAttr{Env: os.Environ()})
	g.Expect(err).NotTo(HaveOccurred())
	waitAll(g, rec, pid)

	res, err := rec.Syscalls()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.Complete()).To(BeTrue())
	g.Expect(res.IDs).To(ContainElements(
		uint32(syscall.SYS_BRK),        // dynamic loader, the first instructions
		uint32(syscall.SYS_GETDENTS64), // ls
		uint32(syscall.SYS_MKDIR),      // grandchild after its parent exited
		uint32(syscall.SYS_EXIT_GROUP),
	))
}

func TestRecordsMountNamespace(t *testing.T) {
	g := NewWithT(t)
	rec, err := load(t).Start()
	g.Expect(err).NotTo(HaveOccurred())
	defer rec.Stop()

	// Start a shell in a new mount namespace, stopped after execve, and
	// register the namespace instead of the pid.
	attr := &syscall.ProcAttr{
		Env: os.Environ(),
		Sys: &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNS},
	}
	pid, err := recorder.Exec(mntnsTracker{rec}, "/bin/sh", []string{"sh", "-c", "mkdir /proc/y 2>/dev/null; exit 3"}, attr)
	g.Expect(err).NotTo(HaveOccurred())
	var ws syscall.WaitStatus
	_, err = syscall.Wait4(pid, &ws, 0, nil)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(ws.ExitStatus()).To(Equal(3))

	res, err := rec.Syscalls()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.IDs).To(ContainElements(uint32(syscall.SYS_MKDIR), uint32(syscall.SYS_EXIT_GROUP)))
	tasks, err := rec.Tasks()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(tasks).To(BeEmpty(), "mount namespace tracking adds no pids")
}

func TestStoppedRecordingIsFreed(t *testing.T) {
	g := NewWithT(t)
	r := load(t)
	for range recorder.MaxRecordings + 1 {
		rec, err := r.Start()
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(rec.Stop()).To(Succeed())
		g.Expect(rec.Stop()).To(Succeed())
	}
}

// mntnsTracker registers a process's mount namespace rather than its pid.
type mntnsTracker struct{ rec *recorder.Recording }

func (m mntnsTracker) TrackPID(pid int) error {
	var st syscall.Stat_t
	if err := syscall.Stat("/proc/"+strconv.Itoa(pid)+"/ns/mnt", &st); err != nil {
		return err
	}
	return m.rec.TrackMountNamespace(uint32(st.Ino))
}
