package enricher

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-logr/logr"

	"github.com/securityprofiles/operator/internal/audit"
	"github.com/securityprofiles/operator/internal/auditnetlink"
)

// netlinkSource reads the audit multicast group (see auditnetlink).
type netlinkSource struct {
	sock *auditnetlink.Socket
}

// openNetlink opens the audit multicast socket with a receive buffer of
// rcvbuf bytes and logs what the kernel granted.
func openNetlink(log logr.Logger, rcvbuf int) (*netlinkSource, error) {
	sock, info, err := auditnetlink.Open(rcvbuf)
	if errors.Is(err, auditnetlink.ErrNotHostNetNS) {
		return nil, fmt.Errorf("%w (use hostNetwork)", err)
	}
	if err != nil {
		return nil, err
	}
	if info.Warning != "" {
		log.Info("Cannot verify the host network namespace", "reason", info.Warning)
	}
	log.Info("Opened audit netlink socket", "receiveBuffer", info.ReceiveBuffer, "requestedReceiveBuffer", rcvbuf, "forced", info.Forced)
	return &netlinkSource{sock: sock}, nil
}

// Name implements Source.
func (s *netlinkSource) Name() string { return "netlink" }

// Close implements Source.
func (s *netlinkSource) Close() error { return s.sock.Close() }

// Next implements Source.
func (s *netlinkSource) Next(ctx context.Context) (uint16, []byte, error) {
	msgType, text, err := s.sock.Next(ctx)
	switch {
	case errors.Is(err, auditnetlink.ErrDropped):
		return 0, nil, ErrDropped
	case errors.Is(err, auditnetlink.ErrMalformed):
		return 0, nil, fmt.Errorf("%w: %w", audit.ErrMalformed, err)
	}
	return msgType, text, err
}
