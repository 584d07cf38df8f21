package auditnetlink

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// ErrDropped is returned by Next when the receive buffer overflowed and
// the kernel dropped records for the socket. The socket stays usable.
var ErrDropped = errors.New("audit records dropped")

// Socket is a NETLINK_AUDIT socket bound to the read-log multicast group.
// One goroutine at a time may call Next; Close may be called from any.
type Socket struct {
	file    *os.File
	buf     []byte
	pending []byte
}

// Info says how Open set the socket up.
type Info struct {
	// ReceiveBuffer is the receive buffer the kernel granted, in bytes.
	// It counts the kernel's own overhead, so it is about twice the
	// request.
	ReceiveBuffer int
	// Forced says the request was granted beyond net.core.rmem_max
	// (SO_RCVBUFFORCE, which needs CAP_NET_ADMIN).
	Forced bool
	// Warning, when not empty, says that the network namespace could not
	// be verified to be the host's, for the caller to log.
	Warning string
}

// Open binds a NETLINK_AUDIT socket to the read-log group with a receive
// buffer of rcvbuf bytes, or net.core.rmem_max when that is smaller and
// the caller lacks CAP_NET_ADMIN. It fails, with ErrNotHostNetNS, when
// the calling thread is provably outside the host's initial network
// namespace, and with an error that names CAP_AUDIT_READ when joining the
// group is not permitted.
func Open(rcvbuf int) (*Socket, Info, error) {
	// The socket belongs to the creating thread's network namespace.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var info Info
	var err error
	if info.Warning, err = checkNetNS(); err != nil {
		return nil, Info{}, err
	}
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_AUDIT)
	if err != nil {
		return nil, Info{}, fmt.Errorf("open audit netlink socket (kernel without audit support?): %w", err)
	}
	info.ReceiveBuffer, info.Forced = setReceiveBuffer(fd, rcvbuf)
	// Joining the group is where the kernel checks CAP_AUDIT_READ.
	sa := &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: 1 << (unix.AUDIT_NLGRP_READLOG - 1)}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		if errors.Is(err, unix.EPERM) {
			return nil, Info{}, fmt.Errorf("join the audit multicast group: reading audit records needs CAP_AUDIT_READ: %w", err)
		}
		return nil, Info{}, fmt.Errorf("join the audit multicast group: %w", err)
	}
	// A non-blocking fd handed to os.NewFile joins the runtime poller, so
	// reads honour deadlines and Close wakes a blocked reader.
	return &Socket{file: os.NewFile(uintptr(fd), "audit-netlink"), buf: make([]byte, 1<<16)}, info, nil
}

// setReceiveBuffer asks for size bytes. SO_RCVBUFFORCE may exceed
// net.core.rmem_max but needs CAP_NET_ADMIN; SO_RCVBUF is capped at
// rmem_max. It returns what the kernel granted.
func setReceiveBuffer(fd, size int) (got int, forced bool) {
	forced = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, size) == nil
	if !forced {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, size)
	}
	got, _ = unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF)
	return got, forced
}

// Close closes the socket; a blocked Next returns.
func (s *Socket) Close() error { return s.file.Close() }

// Next blocks until a netlink message arrives or ctx is done, and returns
// its type and payload, which is only valid until the next call. A
// datagram may hold several messages; they are returned one by one.
// ErrDropped and ErrMalformed report records that were lost; reading may
// go on. When ctx is done, Next returns ctx.Err().
func (s *Socket) Next(ctx context.Context) (msgType uint16, payload []byte, err error) {
	for len(s.pending) == 0 {
		if s.pending, err = s.receive(ctx); err != nil {
			return 0, nil, err
		}
	}
	msgType, payload, s.pending, err = splitMessage(s.pending)
	return msgType, payload, err
}

// receive reads one datagram. It returns none and no error for a
// datagram not from the kernel.
func (s *Socket) receive(ctx context.Context) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if ctx.Done() != nil {
		fired := make(chan struct{})
		stop := context.AfterFunc(ctx, func() {
			_ = s.file.SetReadDeadline(time.Unix(1, 0))
			close(fired)
		})
		defer func() {
			if !stop() {
				// The deadline is in the past: clear it, so the next
				// call with a live context can read.
				<-fired
				_ = s.file.SetReadDeadline(time.Time{})
			}
		}()
	}
	rc, err := s.file.SyscallConn()
	if err != nil {
		return nil, fmt.Errorf("read audit netlink socket: %w", err)
	}
	var n int
	var from unix.Sockaddr
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		n, from, rerr = unix.Recvfrom(int(fd), s.buf, 0)
		return rerr != unix.EAGAIN
	})
	switch {
	case err != nil && ctx.Err() != nil:
		return nil, ctx.Err()
	case err != nil:
		return nil, fmt.Errorf("read audit netlink socket: %w", err)
	case errors.Is(rerr, unix.ENOBUFS):
		return nil, ErrDropped
	case rerr != nil:
		return nil, fmt.Errorf("read audit netlink socket: %w", rerr)
	}
	// Only the kernel (port 0) sends to this group; anything else is
	// forged and ignored.
	if nl, ok := from.(*unix.SockaddrNetlink); !ok || nl.Pid != 0 {
		return nil, nil
	}
	return s.buf[:n], nil
}
