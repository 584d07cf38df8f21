package enricher

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"golang.org/x/sys/unix"

	"github.com/securityprofiles/operator/internal/audit"
)

// initNetNSInode is the inode of the initial network namespace's nsfs
// file. Linux 6.18 made it this fixed value (PROC_NET_INIT_INO); earlier
// kernels number init_net like any other namespace.
const initNetNSInode = 0xEFFFFFF9

// netlinkSource reads the audit multicast group (AUDIT_NLGRP_READLOG).
// The kernel sends every record there (besides auditd's unicast socket
// and the printk fallback), whether auditd runs or not.
type netlinkSource struct {
	file    *os.File
	buf     []byte
	pending []byte
}

// openNetlink binds a NETLINK_AUDIT socket to the read-log group. It
// refuses when this thread is provably outside the host's initial network
// namespace: the kernel multicasts records only to init_net's socket, so
// a socket elsewhere would open fine and never receive anything.
func openNetlink(log logr.Logger, rcvbuf int) (*netlinkSource, error) {
	// The socket belongs to the creating thread's network namespace.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := checkNetNS(log); err != nil {
		return nil, err
	}
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_AUDIT)
	if err != nil {
		return nil, fmt.Errorf("open audit netlink socket: %w", err)
	}
	got, forced := setReceiveBuffer(fd, rcvbuf)
	// Binding to the group is where the kernel checks CAP_AUDIT_READ.
	sa := &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: 1 << (unix.AUDIT_NLGRP_READLOG - 1)}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("join audit multicast group (needs CAP_AUDIT_READ): %w", err)
	}
	log.Info("Opened audit netlink socket", "receiveBuffer", got, "requestedReceiveBuffer", rcvbuf, "forced", forced)
	// A non-blocking fd handed to os.NewFile joins the runtime poller, so
	// reads honour deadlines and Close wakes a blocked reader.
	return &netlinkSource{
		file: os.NewFile(uintptr(fd), "audit-netlink"),
		buf:  make([]byte, 1<<16),
	}, nil
}

// setReceiveBuffer asks for size bytes. SO_RCVBUFFORCE may exceed
// net.core.rmem_max but needs CAP_NET_ADMIN, which the log-enricher
// container does not get; SO_RCVBUF is then capped at rmem_max. It
// returns what the kernel granted (which counts its own overhead, so
// about twice the request).
func setReceiveBuffer(fd, size int) (got int, forced bool) {
	err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, size)
	forced = err == nil
	if !forced {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, size)
	}
	got, _ = unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF)
	return got, forced
}

func checkNetNS(log logr.Logger) error {
	var st unix.Stat_t
	// thread-self, not self: self is the thread group leader's namespace.
	if err := unix.Stat("/proc/thread-self/ns/net", &st); err != nil {
		log.Info("Cannot tell whether this is the host network namespace", "reason", err.Error())
		return nil
	}
	var uts unix.Utsname
	_ = unix.Uname(&uts)
	initial, certain := netNSIsInitial(st.Ino, unix.ByteSliceToString(uts.Release[:]))
	switch {
	case initial:
		return nil
	case certain:
		return fmt.Errorf("network namespace %d is not the host's: the kernel sends audit records only there (use hostNetwork)", st.Ino)
	default:
		log.Info("Audit netlink records arrive only in the host network namespace; cannot verify this is it", "netns", st.Ino)
		return nil
	}
}

// netNSIsInitial says whether a network namespace inode is the initial
// one, and whether the kernel release makes that answer certain.
func netNSIsInitial(inode uint64, release string) (initial, certain bool) {
	if inode == initNetNSInode {
		return true, true
	}
	major, rest, _ := strings.Cut(release, ".")
	ma, err1 := strconv.Atoi(major)
	mi, err2 := strconv.Atoi(leadingDigits(rest))
	if err1 != nil || err2 != nil {
		return false, false
	}
	return false, ma > 6 || (ma == 6 && mi >= 18)
}

func leadingDigits(s string) string {
	i := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return s[:i]
}

// Name implements Source.
func (s *netlinkSource) Name() string { return "netlink" }

// Close implements Source.
func (s *netlinkSource) Close() error { return s.file.Close() }

// Next implements Source. A datagram may hold several netlink messages;
// they are returned one by one.
func (s *netlinkSource) Next(ctx context.Context) (uint16, []byte, error) {
	for len(s.pending) == 0 {
		if err := s.receive(ctx); err != nil {
			return 0, nil, err
		}
	}
	return s.message()
}

// message splits the next netlink message off s.pending.
func (s *netlinkSource) message() (uint16, []byte, error) {
	p := s.pending
	if len(p) < unix.NLMSG_HDRLEN {
		s.pending = nil
		return 0, nil, fmt.Errorf("netlink message header: %w", audit.ErrMalformed)
	}
	n := int(binary.NativeEndian.Uint32(p[0:4]))
	typ := binary.NativeEndian.Uint16(p[4:6])
	switch {
	case n < unix.NLMSG_HDRLEN:
		s.pending = nil
		return 0, nil, fmt.Errorf("netlink message length %d: %w", n, audit.ErrMalformed)
	case n > len(p):
		// Old kernels set nlmsg_len to the payload length alone; a
		// record is always the last message of its datagram there.
		n = len(p)
	}
	s.pending = p[min(nlmsgAlign(n), len(p)):]
	return typ, bytes.TrimRight(p[unix.NLMSG_HDRLEN:n], "\x00"), nil
}

func nlmsgAlign(n int) int { return (n + unix.NLMSG_ALIGNTO - 1) &^ (unix.NLMSG_ALIGNTO - 1) }

// receive reads one datagram into s.pending.
func (s *netlinkSource) receive(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() { _ = s.file.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	rc, err := s.file.SyscallConn()
	if err != nil {
		return err
	}
	var n int
	var from unix.Sockaddr
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		n, from, rerr = unix.Recvfrom(int(fd), s.buf, 0)
		return rerr != unix.EAGAIN
	})
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case err != nil:
		return fmt.Errorf("read audit netlink socket: %w", err)
	case errors.Is(rerr, unix.ENOBUFS):
		// The receive buffer overflowed: the kernel dropped records
		// for this socket. The socket stays usable.
		return ErrDropped
	case rerr != nil:
		return fmt.Errorf("read audit netlink socket: %w", rerr)
	}
	// Only the kernel (port 0) sends to this group; anything else is
	// forged and ignored.
	if nl, ok := from.(*unix.SockaddrNetlink); !ok || nl.Pid != 0 {
		return nil
	}
	s.pending = s.buf[:n]
	return nil
}
