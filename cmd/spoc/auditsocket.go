package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"time"

	"github.com/securityprofiles/operator/internal/auditnetlink"
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

// auditSocket is the audit multicast socket (see auditnetlink) and the
// count of the times its receive buffer overflowed (ErrDropped) and the
// kernel dropped records.
type auditSocket struct {
	*auditnetlink.Socket
	overflows int
}

// openAuditSocket opens the audit multicast socket, adding to its errors
// what to do about them, and logs when it cannot verify that records
// will arrive.
func openAuditSocket(logger *log.Logger) (*auditSocket, error) {
	sock, info, err := auditnetlink.Open(auditReceiveBuffer)
	switch {
	case errors.Is(err, auditnetlink.ErrNotHostNetNS):
		return nil, fmt.Errorf("%w (run spoc in the host network namespace)", err)
	case errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("%w (run as root)", err)
	case err != nil:
		return nil, err
	}
	if info.Warning != "" {
		logger.Printf("Warning: %s", info.Warning)
	}
	return &auditSocket{Socket: sock}, nil
}

// listener reads the socket in the background and hands every record
// to recs, which it owns until stop returned.
type listener struct {
	sock *auditSocket
	recs *sessionRecords
	// mine ticks when a record of the session arrived.
	mine   chan struct{}
	failed chan error
	cancel context.CancelFunc
	done   chan struct{}
}

func listen(sock *auditSocket, recs *sessionRecords) *listener {
	ctx, cancel := context.WithCancel(context.Background())
	l := &listener{sock: sock, recs: recs, mine: make(chan struct{}, 1), failed: make(chan error, 1),
		cancel: cancel, done: make(chan struct{})}
	go l.run(ctx)
	return l
}

func (l *listener) run(ctx context.Context) {
	defer close(l.done)
	for {
		typ, payload, err := l.sock.Next(ctx)
		switch {
		case ctx.Err() != nil: // stopped
			return
		case errors.Is(err, auditnetlink.ErrDropped):
			l.sock.overflows++
			continue
		case errors.Is(err, auditnetlink.ErrMalformed):
			// Not a record spoc could read, nor tell whose it was.
			continue
		case err != nil:
			l.failed <- err
			return
		}
		if l.recs.add(typ, payload) {
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

// stop waits for the reader to end and closes the socket.
func (l *listener) stop() {
	l.cancel()
	<-l.done
	_ = l.sock.Close()
}
