package containerid

import (
	"bytes"
	"errors"
	"strings"
)

// FromCgroup returns the 64-hex-digit container ID in the content of a
// /proc/<pid>/cgroup file, for cgroup v1 (one line per hierarchy) and v2
// ("0::/path"), with the path shapes of containerd (cgroupfs driver
// ".../kubepods/<qos>/pod<uid>/<id>", systemd driver
// ".../cri-containerd-<id>.scope"), CRI-O ("crio-<id>.scope", but never
// "crio-conmon-<id>.scope", which is the monitor, not the container) and
// Docker ("/docker/<id>", "docker-<id>.scope"). ok is false when no line
// names a container.
//
// Within a path the deepest component that names a container decides, so
// a container in a container (a kind node) yields the inner one; when that
// component is a conmon scope, the line names no container. The first
// line that names a container wins.
//
// The kernel does not escape cgroup paths, so whoever may create a cgroup
// can put a newline and a forged line in one. The unified hierarchy's
// "0::" line comes last, so content after it is a forgery and ok is false.
// A forged line can still follow a cgroup v1 line that a process controls.
func FromCgroup(content []byte) (id string, ok bool) {
	for len(content) > 0 {
		var line []byte
		line, content, _ = bytes.Cut(content, []byte{'\n'})
		if bytes.HasPrefix(line, []byte("0::")) && len(bytes.Trim(content, "\n")) > 0 {
			return "", false
		}
		if !ok {
			id, ok = fromLine(line)
		}
	}
	return id, ok
}

// fromLine returns the container ID in one "<id>:<controllers>:<path>"
// line.
func fromLine(line []byte) (string, bool) {
	_, rest, ok := bytes.Cut(line, []byte{':'})
	if !ok {
		return "", false
	}
	_, path, ok := bytes.Cut(rest, []byte{':'})
	if !ok || len(path) == 0 || path[0] != '/' {
		return "", false
	}
	// A zombie's removed cgroup v2 is shown with this suffix.
	path = bytes.TrimSuffix(path, []byte(" (deleted)"))
	for len(path) > 0 {
		i := bytes.LastIndexByte(path, '/')
		component := path[i+1:]
		path = path[:max(i, 0)]
		if id, shape := fromComponent(component); shape != notContainer {
			return id, shape == container
		}
	}
	return "", false
}

// ErrInvalidID is returned by ParseStatusID for an ID that is not
// "<runtime>://<64 hex digits>".
var ErrInvalidID = errors.New("invalid container ID")

// ParseStatusID splits a containerStatuses[].containerID such as
// "containerd://<id>" or "cri-o://<id>" into the runtime and the
// 64-hex-digit ID. The runtime is non-empty and made of lowercase
// letters, digits, '-', '.' and '_'.
func ParseStatusID(s string) (runtime, id string, err error) {
	runtime, id, ok := strings.Cut(s, "://")
	if !ok || !validRuntime(runtime) || !isID(id) {
		return "", "", ErrInvalidID
	}
	return runtime, id, nil
}

func validRuntime(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z') && !('0' <= c && c <= '9') && c != '-' && c != '.' && c != '_' {
			return false
		}
	}
	return s != ""
}
