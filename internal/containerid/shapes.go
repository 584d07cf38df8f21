package containerid

// idLength is the length of a container ID: 32 bytes in hex.
const idLength = 64

// shape is what a cgroup path component says about containers.
type shape int

const (
	notContainer shape = iota
	container
	// conmon is CRI-O's container monitor, which runs beside the
	// container, not in it.
	conmon
)

const conmonPrefix = "crio-conmon-"

// The runtimes' names for a container's cgroup, around its ID.
var containerShapes = []struct{ prefix, suffix string }{
	{"", ""},                      // containerd or Docker, cgroupfs driver
	{"cri-containerd-", ".scope"}, // containerd, systemd driver
	{"crio-", ".scope"},           // CRI-O, systemd driver
	{"crio-", ""},                 // CRI-O, cgroupfs driver
	{"docker-", ".scope"},         // Docker, systemd driver
	{conmonPrefix, ".scope"},      // CRI-O monitor, never a container
	{conmonPrefix, ""},            // CRI-O monitor, cgroupfs driver
}

// fromComponent returns the container ID a cgroup path component names,
// and what the component is.
func fromComponent(c []byte) (string, shape) {
	if len(c) < idLength {
		return "", notContainer
	}
	for _, sh := range containerShapes {
		n := len(sh.prefix)
		if len(c) != n+idLength+len(sh.suffix) || string(c[:n]) != sh.prefix ||
			string(c[n+idLength:]) != sh.suffix || !isID(c[n:n+idLength]) {
			continue
		}
		if sh.prefix == conmonPrefix {
			return "", conmon
		}
		return string(c[n : n+idLength]), container
	}
	return "", notContainer
}

// isID reports whether s is 64 lowercase hex digits.
func isID[T string | []byte](s T) bool {
	if len(s) != idLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9') && !('a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
