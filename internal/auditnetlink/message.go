package auditnetlink

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// ErrMalformed is returned by Next for a netlink message whose header
// makes no sense. The rest of its datagram is dropped; reading may go on.
var ErrMalformed = errors.New("malformed netlink message")

// splitMessage splits the first netlink message off a datagram. payload
// is trimmed of the trailing NULs the kernel pads records with; rest is
// what follows the message, nil after an error.
func splitMessage(dgram []byte) (typ uint16, payload, rest []byte, err error) {
	if len(dgram) < unix.NLMSG_HDRLEN {
		return 0, nil, nil, fmt.Errorf("netlink message header of %d bytes: %w", len(dgram), ErrMalformed)
	}
	n := int(binary.NativeEndian.Uint32(dgram[0:4]))
	typ = binary.NativeEndian.Uint16(dgram[4:6])
	if n < unix.NLMSG_HDRLEN {
		return 0, nil, nil, fmt.Errorf("netlink message length %d: %w", n, ErrMalformed)
	}
	// The kernel sets the full length on multicast copies (auditd's
	// unicast one gets the payload length alone); a length beyond the
	// datagram can only be its last message, cut short.
	n = min(n, len(dgram))
	aligned := (n + unix.NLMSG_ALIGNTO - 1) &^ (unix.NLMSG_ALIGNTO - 1)
	return typ, bytes.TrimRight(dgram[unix.NLMSG_HDRLEN:n], "\x00"), dgram[min(aligned, len(dgram)):], nil
}
