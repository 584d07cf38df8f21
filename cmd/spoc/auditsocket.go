package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// auditReceiveBuffer is the receive buffer spoc asks for: the records of
// the whole machine arrive, not only the command's, and spoc must not
// fall behind while the command runs.
const auditReceiveBuffer = 16 << 20

// How long spoc listens once the command exited: until no record of its
// session arrived for auditQuiet (the kernel sends records from a thread
// of its own, a little after the calls, and descendants may outlive the
// command), but at most auditDrainMax.
const (
	auditQuiet    = 200 * time.Millisecond
	auditDrainMax = 2 * time.Second
)

// initNetNSInode is the inode of the initial network namespace's nsfs
// file since Linux 6.18 (PROC_NET_INIT_INO); earlier kernels number it
// like any other namespace.
const initNetNSInode = 0xEFFFFFF9

// auditSocket receives the kernel's audit records from the read-log
// multicast group (AUDIT_NLGRP_READLOG), which gets every record whether
// auditd runs or not.
type auditSocket struct {
	file *os.File
	buf  []byte
	// overflows counts the times the receive buffer was full (ENOBUFS)
	// and the kernel dropped records for this socket.
	overflows int
}

// openAuditSocket opens a NETLINK_AUDIT socket bound to the read-log
// group. It refuses when this thread is provably outside the initial
// network namespace, where the socket would open fine and never receive
// a record.
func openAuditSocket(logger *log.Logger) (*auditSocket, error) {
	// The socket belongs to the creating thread's network namespace.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := checkHostNetwork(logger); err != nil {
		return nil, err
	}
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_AUDIT)
	if err != nil {
		return nil, fmt.Errorf("open audit netlink socket (kernel without audit support?): %w", err)
	}
	// SO_RCVBUFFORCE may exceed net.core.rmem_max but needs CAP_NET_ADMIN.
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, auditReceiveBuffer) != nil {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, auditReceiveBuffer)
	}
	// Joining the group is where the kernel checks CAP_AUDIT_READ.
	sa := &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: 1 << (unix.AUDIT_NLGRP_READLOG - 1)}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		if errors.Is(err, unix.EPERM) {
			return nil, fmt.Errorf("reading audit records needs CAP_AUDIT_READ (run as root): %w", err)
		}
		return nil, fmt.Errorf("join the audit multicast group: %w", err)
	}
	// A non-blocking fd handed to os.NewFile joins the runtime poller, so
	// reads honour deadlines.
	return &auditSocket{file: os.NewFile(uintptr(fd), "audit-netlink"), buf: make([]byte, 1<<16)}, nil
}

// checkHostNetwork fails when this thread is certainly not in the
// initial network namespace, and logs when it cannot tell.
func checkHostNetwork(logger *log.Logger) error {
	var st unix.Stat_t
	if err := unix.Stat("/proc/thread-self/ns/net", &st); err != nil {
		logger.Printf("Warning: cannot tell whether this is the host network namespace, where audit records arrive: %v", err)
		return nil
	}
	var uts unix.Utsname
	_ = unix.Uname(&uts)
	switch initial, certain := netNSIsInitial(st.Ino, unix.ByteSliceToString(uts.Release[:])); {
	case initial:
		return nil
	case certain:
		return fmt.Errorf("network namespace %d is not the host's: the kernel sends audit records only there (run spoc in the host network namespace)", st.Ino)
	}
	logger.Printf("Warning: audit records arrive only in the host network namespace; cannot verify that network namespace %d is it", st.Ino)
	return nil
}

// netNSIsInitial says whether a network namespace inode is the initial
// one, and whether the kernel release makes the answer certain.
func netNSIsInitial(inode uint64, release string) (initial, certain bool) {
	if inode == initNetNSInode {
		return true, true
	}
	major, rest, _ := strings.Cut(release, ".")
	end := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		end = len(rest)
	}
	ma, err1 := strconv.Atoi(major)
	mi, err2 := strconv.Atoi(rest[:end])
	if err1 != nil || err2 != nil {
		return false, false
	}
	return false, ma > 6 || (ma == 6 && mi >= 18)
}

// Close closes the socket.
func (s *auditSocket) Close() error { return s.file.Close() }

// receive reads one datagram. It returns nil and no error on an
// overflow (counted) and for a datagram not from the kernel.
func (s *auditSocket) receive() ([]byte, error) {
	rc, err := s.file.SyscallConn()
	if err != nil {
		return nil, err
	}
	var n int
	var from unix.Sockaddr
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		n, from, rerr = unix.Recvfrom(int(fd), s.buf, 0)
		return rerr != unix.EAGAIN
	})
	switch {
	case err != nil:
		return nil, err
	case errors.Is(rerr, unix.ENOBUFS):
		// The socket stays usable; the dropped records are gone.
		s.overflows++
		return nil, nil
	case rerr != nil:
		return nil, rerr
	}
	// Only the kernel (port 0) sends to this group.
	if nl, ok := from.(*unix.SockaddrNetlink); !ok || nl.Pid != 0 {
		return nil, nil
	}
	return s.buf[:n], nil
}

// eachMessage calls fn for each netlink message of a datagram.
func eachMessage(dgram []byte, fn func(typ uint16, payload []byte)) {
	for len(dgram) >= unix.NLMSG_HDRLEN {
		n := int(binary.NativeEndian.Uint32(dgram[0:4]))
		typ := binary.NativeEndian.Uint16(dgram[4:6])
		if n < unix.NLMSG_HDRLEN {
			return
		}
		// The kernel sets the full length on multicast copies; a length
		// beyond the datagram can only be the last message, cut short.
		n = min(n, len(dgram))
		fn(typ, dgram[unix.NLMSG_HDRLEN:n])
		aligned := (n + unix.NLMSG_ALIGNTO - 1) &^ (unix.NLMSG_ALIGNTO - 1)
		dgram = dgram[min(aligned, len(dgram)):]
	}
}

// listener reads the socket in the background and hands every record
// to recs, which it owns until stop returned.
type listener struct {
	sock *auditSocket
	recs *sessionRecords
	// mine ticks when a record of the session arrived.
	mine     chan struct{}
	failed   chan error
	stopping chan struct{}
	done     chan struct{}
}

func listen(sock *auditSocket, recs *sessionRecords) *listener {
	l := &listener{sock: sock, recs: recs, mine: make(chan struct{}, 1), failed: make(chan error, 1),
		stopping: make(chan struct{}), done: make(chan struct{})}
	go l.run()
	return l
}

func (l *listener) run() {
	defer close(l.done)
	for {
		dgram, err := l.sock.receive()
		if err != nil {
			select {
			case <-l.stopping: // the socket was closed
			default:
				l.failed <- err
			}
			return
		}
		mine := false
		eachMessage(dgram, func(typ uint16, payload []byte) {
			mine = l.recs.add(typ, payload) || mine
		})
		if mine {
			select {
			case l.mine <- struct{}{}:
			default:
			}
		}
	}
}

// drain waits, once the command exited, until no record of its session
// arrived for auditQuiet, but at most auditDrainMax; cutOff reports the
// latter.
func (l *listener) drain() (cutOff bool, err error) {
	quiet := time.NewTimer(auditQuiet)
	defer quiet.Stop()
	bound := time.NewTimer(auditDrainMax)
	defer bound.Stop()
	for {
		select {
		case <-l.mine:
			quiet.Reset(auditQuiet)
		case err := <-l.failed:
			return false, fmt.Errorf("read audit records: %w", err)
		case <-quiet.C:
			return false, nil
		case <-bound.C:
			return true, nil
		}
	}
}

// stop closes the socket and waits for the reader to end.
func (l *listener) stop() {
	close(l.stopping)
	_ = l.sock.Close()
	<-l.done
}
