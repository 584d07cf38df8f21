package main

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"strconv"
	"strings"
)

// The calling thread's audit identity. thread-self, not self: the
// kernel only lets a task change its own login uid, and the session id
// is per thread.
const (
	loginUIDFile  = "/proc/thread-self/loginuid"
	sessionIDFile = "/proc/thread-self/sessionid"
)

// unsetID is the login uid and session id of a task that never logged in
// (AUDIT_UID_UNSET, AUDIT_SID_UNSET).
const unsetID = math.MaxUint32

// newAuditSession gives the calling thread, which must be locked to its
// goroutine, a fresh audit session and returns its id. Writing a valid
// uid to loginuid makes the kernel allocate a new session id, which every
// process the thread starts inherits and every seccomp record carries as
// ses=. The login uid stays what it was, so records keep their auid; an
// unset one becomes the real uid.
func newAuditSession() (uint32, error) {
	data, err := os.ReadFile(loginUIDFile)
	if err != nil {
		return 0, fmt.Errorf("start an audit session (kernel without audit support?): %w", err)
	}
	uid := strings.TrimSpace(string(data))
	if uid == strconv.FormatUint(unsetID, 10) {
		uid = strconv.Itoa(os.Getuid())
	}
	if err := writeLoginUID(uid); err != nil {
		if errors.Is(err, fs.ErrPermission) {
			return 0, fmt.Errorf("start an audit session: changing the login uid %s needs CAP_AUDIT_CONTROL, "+
				"and is refused if login uids are immutable (auditctl --loginuid-immutable): %w", uid, err)
		}
		return 0, fmt.Errorf("start an audit session: %w", err)
	}
	data, err = os.ReadFile(sessionIDFile)
	if err != nil {
		return 0, fmt.Errorf("start an audit session: %w", err)
	}
	id, err := strconv.ParseUint(strings.TrimSpace(string(data)), 10, 32)
	if err != nil || id == unsetID {
		return 0, fmt.Errorf("start an audit session: the kernel gave no session id (%s: %q)", sessionIDFile, data)
	}
	return uint32(id), nil
}

// writeLoginUID writes uid in one write, as the kernel requires.
func writeLoginUID(uid string) error {
	f, err := os.OpenFile(loginUIDFile, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(uid)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
