package recording

import (
	"strings"

	"github.com/securityprofiles/operator/apis/keys"
	"github.com/securityprofiles/operator/internal/audit"
)

// Denial is one permission a recorded container used that its SELinux
// policy did not grant: Perm on objects of class Class labelled with type
// Type. The recording type is permissive, so the kernel logged the denial
// and let the access happen.
type Denial struct {
	Type, Class, Perm string
}

// Longest names the SelinuxProfile API accepts (its CRD's patterns and
// length limits): a longer name is dropped, never written.
const (
	maxTypeLength  = 128
	maxClassLength = 64
	maxPermLength  = 64
)

// avcDenials returns the denials of one AVC record. ours is false for a
// record whose process does not run with the recording type: other
// containers' denials are enforced policy, not something to record.
// invalid counts the record's permissions that were dropped because a
// name would not pass the SelinuxProfile API's validation.
func avcDenials(r audit.Record) (ds []Denial, invalid int, ours bool) {
	if r.Kind != audit.KindSelinux || contextType(r.Scontext) != keys.SelinuxRecordingType {
		return nil, 0, false
	}
	typ := contextType(r.Tcontext)
	if !validType(typ) || !validName(r.Tclass, maxClassLength) {
		return nil, len(r.Perms), true
	}
	for _, p := range r.Perms {
		if !validName(p, maxPermLength) {
			invalid++
			continue
		}
		ds = append(ds, Denial{Type: typ, Class: r.Tclass, Perm: p})
	}
	return ds, invalid, true
}

// contextType returns the type of an SELinux context
// "user:role:type[:level]", or "" when it has fewer fields. The level may
// hold colons itself (s0-s0:c0.c1023), so only the first three split.
func contextType(context string) string {
	fields := strings.SplitN(context, ":", 4)
	if len(fields) < 3 {
		return ""
	}
	return fields[2]
}

// validType reports whether s is a type name the SelinuxProfile API
// accepts as an allow key: [a-zA-Z0-9._-], 1 to 128 characters.
func validType(s string) bool {
	if s == "" || len(s) > maxTypeLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !isAlnum(c) && c != '.' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// validName reports whether s is a class or permission name the
// SelinuxProfile API accepts: [a-z0-9_], 1 to max characters.
func validName(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z') && !('0' <= c && c <= '9') && c != '_' {
			return false
		}
	}
	return true
}
