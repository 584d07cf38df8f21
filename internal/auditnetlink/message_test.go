package auditnetlink

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	. "github.com/onsi/gomega"
	"golang.org/x/sys/unix"
)

// netlinkMessage frames payload as one netlink message whose header says
// length, padded to the netlink alignment.
func netlinkMessage(typ uint16, payload string, length int) []byte {
	b := make([]byte, unix.NLMSG_HDRLEN, unix.NLMSG_HDRLEN+len(payload)+unix.NLMSG_ALIGNTO)
	binary.NativeEndian.PutUint32(b[0:4], uint32(length))
	binary.NativeEndian.PutUint16(b[4:6], typ)
	b = append(b, payload...)
	for len(b)%unix.NLMSG_ALIGNTO != 0 {
		b = append(b, 0)
	}
	return b
}

func frame(typ uint16, payload string) []byte {
	return netlinkMessage(typ, payload, unix.NLMSG_HDRLEN+len(payload))
}

// message is what splitting a datagram yields at one step: a message, or
// "malformed".
type message struct {
	typ     uint16
	payload string
}

var malformed = message{payload: "malformed"}

// splitAll splits a datagram as Next does.
func splitAll(dgram []byte) []message {
	var got []message
	for len(dgram) > 0 {
		typ, payload, rest, err := splitMessage(dgram)
		switch {
		case errors.Is(err, ErrMalformed):
			got = append(got, malformed)
		case err != nil:
			panic(err)
		default:
			got = append(got, message{typ, string(payload)})
		}
		dgram = rest
	}
	return got
}

func TestSplitMessage(t *testing.T) {
	cases := []struct {
		name  string
		dgram []byte
		want  []message
	}{
		{"one", frame(1326, "abc"), []message{{1326, "abc"}}},
		{"trailing NULs trimmed", frame(1326, "abc\x00\x00"), []message{{1326, "abc"}}},
		{"two, padded", append(frame(1326, "abcde"), frame(1300, "xy")...), []message{{1326, "abcde"}, {1300, "xy"}}},
		{"empty payload", frame(1320, ""), []message{{1320, ""}}},
		{"length beyond the datagram", netlinkMessage(1326, "abcd", 400), []message{{1326, "abcd"}}},
		// The rest of the datagram cannot be found: it is dropped.
		{"length below the header", append(netlinkMessage(1326, "abcd", 3), frame(1300, "xy")...), []message{malformed}},
		{"short tail", append(frame(1326, "abcd"), 1, 2, 3), []message{{1326, "abcd"}, malformed}},
		{"short datagram", []byte{1, 2, 3}, []message{malformed}},
		{"empty", nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			NewWithT(t).Expect(splitAll(c.dgram)).To(Equal(c.want))
		})
	}
}

// FuzzSplitMessage: whatever a datagram holds, splitting ends, never
// panics, and every payload lies within the datagram.
func FuzzSplitMessage(f *testing.F) {
	f.Add(frame(1326, "audit(1.2:3): pid=1"))
	f.Add(append(frame(1326, "abcde"), frame(1300, "xy")...))
	f.Add(netlinkMessage(1326, "abcd", 400))
	f.Add(netlinkMessage(1326, "abcd", 3))
	f.Fuzz(func(t *testing.T, dgram []byte) {
		for len(dgram) > 0 {
			_, payload, rest, err := splitMessage(dgram)
			if err == nil && (len(rest) >= len(dgram) || !bytes.Contains(dgram, payload)) {
				t.Fatalf("split of %q gave payload %q and rest %q", dgram, payload, rest)
			}
			dgram = rest
		}
	})
}
