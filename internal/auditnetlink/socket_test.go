package auditnetlink

import (
	"context"
	"errors"
	"io/fs"
	"runtime"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"golang.org/x/sys/unix"

	"github.com/securityprofiles/operator/test/require"
)

// These tests need root (CAP_AUDIT_READ, CAP_NET_ADMIN) in the host
// network namespace.

// numbersInitialNetNS says whether the running kernel gives the initial
// network namespace its fixed inode (Linux 6.18 and later).
func numbersInitialNetNS(t *testing.T) bool {
	t.Helper()
	var uts unix.Utsname
	if err := unix.Uname(&uts); err != nil {
		t.Fatal(err)
	}
	_, certain := NetNSIsInitial(0, unix.ByteSliceToString(uts.Release[:]))
	return certain
}

// openOnThread calls Open on a thread of its own, which prepare changes
// first, and closes what opened. The thread is never unlocked: it ends
// with its goroutine instead of running other code in its changed state.
func openOnThread(t *testing.T, prepare func() error) error {
	t.Helper()
	res := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := prepare(); err != nil {
			res <- err
			return
		}
		s, _, err := Open(1 << 16)
		if err == nil {
			s.Close()
		}
		res <- err
	}()
	return <-res
}

func TestOpen(t *testing.T) {
	g := NewWithT(t)
	require.Root(t)
	const size = 8 << 20
	s, info, err := Open(size)
	g.Expect(err).NotTo(HaveOccurred())
	defer s.Close()
	g.Expect(info.Forced).To(BeTrue(), "root has CAP_NET_ADMIN")
	g.Expect(info.ReceiveBuffer).To(BeNumerically(">=", size))
	if numbersInitialNetNS(t) {
		g.Expect(info.Warning).To(BeEmpty())
	} else {
		g.Expect(info.Warning).To(ContainSubstring("cannot verify"))
	}
}

// TestOpenOutsideHostNetNS: a socket in another network namespace would
// never receive a record, so Open refuses it.
func TestOpenOutsideHostNetNS(t *testing.T) {
	g := NewWithT(t)
	require.Root(t)
	if !numbersInitialNetNS(t) {
		// CI machines run kernels that do: a skip there would hide a
		// broken check.
		if require.InCI() {
			t.Fatal("this kernel does not number the initial network namespace")
		}
		t.Skip("this kernel does not number the initial network namespace")
	}
	err := openOnThread(t, func() error { return unix.Unshare(unix.CLONE_NEWNET) })
	g.Expect(err).To(MatchError(ErrNotHostNetNS))
	g.Expect(err).To(MatchError(MatchRegexp(`^network namespace \d+ is not the host's: the kernel sends audit records only there$`)))
}

// TestOpenWithoutCapAuditRead: joining the group is refused, and the
// error says which capability is missing.
func TestOpenWithoutCapAuditRead(t *testing.T) {
	g := NewWithT(t)
	require.Root(t)
	err := openOnThread(t, func() error {
		// Capabilities are per thread.
		hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
		var data [2]unix.CapUserData
		if err := unix.Capget(&hdr, &data[0]); err != nil {
			return err
		}
		data[unix.CAP_AUDIT_READ/32].Effective &^= 1 << (unix.CAP_AUDIT_READ % 32)
		return unix.Capset(&hdr, &data[0])
	})
	g.Expect(err).To(MatchError(fs.ErrPermission))
	g.Expect(err).To(MatchError(ContainSubstring("needs CAP_AUDIT_READ")))
}

// TestNextEndsWithItsContext: a blocked Next returns when its context
// ends, and the socket still reads with the next context.
func TestNextEndsWithItsContext(t *testing.T) {
	g := NewWithT(t)
	require.Root(t)
	s, _, err := Open(1 << 20)
	g.Expect(err).NotTo(HaveOccurred())
	defer s.Close()
	for range 2 {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		for {
			// Records of other processes on the host may arrive first.
			if _, _, err = s.Next(ctx); err != nil && !errors.Is(err, ErrDropped) {
				break
			}
		}
		cancel()
		// Not an i/o timeout: that would be a deadline left over.
		g.Expect(err).To(MatchError(context.DeadlineExceeded))
	}
}

// TestCloseEndsNext: Close wakes a blocked Next, which fails.
func TestCloseEndsNext(t *testing.T) {
	g := NewWithT(t)
	require.Root(t)
	s, _, err := Open(1 << 20)
	g.Expect(err).NotTo(HaveOccurred())
	done := make(chan error, 1)
	go func() {
		for {
			if _, _, err := s.Next(context.Background()); err != nil && !errors.Is(err, ErrDropped) {
				done <- err
				return
			}
		}
	}()
	time.Sleep(50 * time.Millisecond)
	g.Expect(s.Close()).To(Succeed())
	g.Eventually(done).WithTimeout(5 * time.Second).Should(Receive(HaveOccurred()))
}
