package enricher

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
	"golang.org/x/sys/unix"

	"github.com/securityprofiles/operator/internal/auditnetlink"
	"github.com/securityprofiles/operator/test/fakecontainer"
	"github.com/securityprofiles/operator/test/require"
)

const testContainerID = "9f2c1a6b8e7d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b"

// kernelRun opens the netlink source, starts a child in role under an
// SCMP_ACT_LOG filter, pretends (in a fake /proc) that the child runs in a
// container, and runs the enricher until until says enough.
func kernelRun(t *testing.T, role string, until func([]sinkCall) bool) ([]sinkCall, int) {
	require.Root(t)
	require.Seccomp(t)
	src, err := openNetlink(logr.Discard(), DefaultReceiveBuffer)
	if err != nil {
		t.Fatalf("open netlink source: %v", err)
	}
	defer src.Close()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"="+role)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	proc := t.TempDir()
	fakeProc(t, proc, pid, containerCgroup(testContainerID))
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child %s: %v", role, err)
	}
	sink := &recordingSink{pid: pid}
	e, err := New("kernel-node", proc, mapResolver{testContainerID: {
		Namespace: "ns", Pod: "pod", Name: "c", ID: testContainerID,
	}}, sink, logr.Discard())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx, src) }()
	g := NewWithT(t)
	g.Eventually(func() bool { return until(sink.snapshot()) }).
		WithTimeout(20 * time.Second).WithPolling(50 * time.Millisecond).Should(BeTrue())
	cancel()
	g.Expect(<-done).To(Succeed())
	return sink.snapshot(), pid
}

func hasSyscall(name string) func([]sinkCall) bool {
	return func(calls []sinkCall) bool {
		return slices.ContainsFunc(calls, func(c sinkCall) bool { return c.syscall == name })
	}
}

// TestNetlinkRecordsOfChild proves that the kernel delivers a logging
// filter's records over netlink and that they are parsed and named
// exactly: the child's syscalls after the filter went on are those strace
// sees /bin/true make, plus prlimit64 (Go restores RLIMIT_NOFILE right
// before execve, see seccompfilter.Exec).
func TestNetlinkRecordsOfChild(t *testing.T) {
	RegisterTestingT(t)
	calls, pid := kernelRun(t, childTrue, hasSyscall("exit_group"))
	got := map[string]bool{}
	for _, c := range calls {
		Expect(c.r.PID).To(Equal(pid))
		Expect(c.r.Arch).To(Equal("c000003e"))
		Expect(c.r.Action).To(Equal("0x7ffc0000"))
		Expect(c.syscall).NotTo(BeEmpty(), "syscall %d has no name", c.r.SyscallID)
		Expect(c.c.Pod).To(Equal("pod"))
		got[c.syscall] = true
	}
	require.Command(t, "strace")
	want := fakecontainer.StraceNames(t, []string{trueExecutable})
	for _, name := range want {
		Expect(got).To(HaveKey(name))
		delete(got, name)
	}
	delete(got, "prlimit64")
	Expect(got).To(BeEmpty(), "syscalls strace did not see")
}

// TestNetlinkBurstLossless: a burst of getpid calls arrives whole (the
// ARCHITECTURE.md measurement, here through the whole pipeline).
func TestNetlinkBurstLossless(t *testing.T) {
	RegisterTestingT(t)
	countGetpid := func(calls []sinkCall) int {
		n := 0
		for _, c := range calls {
			if c.syscall == "getpid" {
				n++
			}
		}
		return n
	}
	calls, _ := kernelRun(t, childBurst, func(calls []sinkCall) bool {
		return hasSyscall("exit_group")(calls) && countGetpid(calls) >= burstSize
	})
	Expect(countGetpid(calls)).To(BeNumerically(">=", burstSize))
}

// TestNetlinkOverflowReportsDrops: with a tiny receive buffer that is not
// read during a burst, the kernel drops records and the source says so
// once, then goes on delivering.
func TestNetlinkOverflowReportsDrops(t *testing.T) {
	RegisterTestingT(t)
	require.Root(t)
	require.Seccomp(t)
	src, err := openNetlink(logr.Discard(), 4096)
	Expect(err).NotTo(HaveOccurred())
	defer src.Close()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"="+childBurst)
	Expect(cmd.Run()).To(Succeed())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _, err = src.Next(ctx)
	Expect(err).To(MatchError(ErrDropped))
	_, text, err := src.Next(ctx)
	Expect(err).NotTo(HaveOccurred())
	Expect(string(text)).To(ContainSubstring("audit("))
}

// openOutsideHostNetNS calls OpenSource from a thread in a new network
// namespace, where the netlink source would open and stay silent.
func openOutsideHostNetNS(t *testing.T, opts Options) (Source, error) {
	t.Helper()
	require.Root(t)
	var uts unix.Utsname
	if err := unix.Uname(&uts); err != nil {
		t.Fatal(err)
	}
	if _, certain := auditnetlink.NetNSIsInitial(0, unix.ByteSliceToString(uts.Release[:])); !certain {
		// CI machines run kernels that do (6.18 and later): a skip there
		// would hide a broken check.
		if require.InCI() {
			t.Fatal("this kernel does not number the initial network namespace")
		}
		t.Skip("this kernel does not number the initial network namespace")
	}
	type result struct {
		src Source
		err error
	}
	res := make(chan result, 1)
	go func() {
		// Never unlocked: the thread, in its own namespace, ends with
		// this goroutine.
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			res <- result{err: err}
			return
		}
		src, err := OpenSource(context.Background(), logr.Discard(), opts)
		res <- result{src, err}
	}()
	r := <-res
	if r.src != nil {
		t.Cleanup(func() { r.src.Close() })
	}
	return r.src, r.err
}

// TestOpenSourceFallsBack: outside the host network namespace the audit
// log is used, or syslog without it, or nothing.
func TestOpenSourceFallsBack(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	auditLog, syslog := filepath.Join(dir, "audit.log"), filepath.Join(dir, "syslog")
	opts := Options{AuditLog: auditLog, Syslog: syslog}
	_, err := openOutsideHostNetNS(t, opts)
	g.Expect(err).To(MatchError(ContainSubstring("no audit record source")))
	g.Expect(os.WriteFile(syslog, nil, 0o600)).To(Succeed())
	src, err := openOutsideHostNetNS(t, opts)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(src.Name()).To(Equal(syslog))
	g.Expect(os.WriteFile(auditLog, nil, 0o600)).To(Succeed())
	src, err = openOutsideHostNetNS(t, opts)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(src.Name()).To(Equal(auditLog))
}

// TestOpenSourcePrefersNetlink: in the host namespace with CAP_AUDIT_READ
// the netlink source wins over an existing audit log.
func TestOpenSourcePrefersNetlink(t *testing.T) {
	RegisterTestingT(t)
	require.Root(t)
	auditLog := filepath.Join(t.TempDir(), "audit.log")
	Expect(os.WriteFile(auditLog, nil, 0o600)).To(Succeed())
	src, err := OpenSource(context.Background(), logr.Discard(), Options{AuditLog: auditLog})
	Expect(err).NotTo(HaveOccurred())
	defer src.Close()
	Expect(src.Name()).To(Equal("netlink"))
}

// TestNetlinkNextHonoursContext: a blocked Next returns when its context
// ends.
func TestNetlinkNextHonoursContext(t *testing.T) {
	RegisterTestingT(t)
	require.Root(t)
	src, err := openNetlink(logr.Discard(), 1<<20)
	Expect(err).NotTo(HaveOccurred())
	defer src.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	for {
		// Records of other processes on the host may arrive first.
		if _, _, err = src.Next(ctx); err != nil {
			break
		}
	}
	Expect(errors.Is(err, context.DeadlineExceeded)).To(BeTrue(), "got %v", err)
}
