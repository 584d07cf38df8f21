package auditnetlink

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// initNetNSInode is the inode of the initial network namespace's nsfs
// file. Linux 6.18 made it this fixed value (PROC_NET_INIT_INO); earlier
// kernels number init_net like any other namespace.
const initNetNSInode = 0xEFFFFFF9

// ErrNotHostNetNS is wrapped by Open's error when the calling thread is
// certainly not in the host's initial network namespace.
var ErrNotHostNetNS = errors.New("the kernel sends audit records only there")

// checkNetNS fails when the calling thread is certainly outside the
// initial network namespace. When it cannot tell, it returns a warning
// for the caller to log.
func checkNetNS() (warning string, err error) {
	var st unix.Stat_t
	// thread-self, not self: self is the thread group leader's namespace.
	if err := unix.Stat("/proc/thread-self/ns/net", &st); err != nil {
		return fmt.Sprintf("cannot tell whether this is the host network namespace, where audit records arrive: %v", err), nil
	}
	var uts unix.Utsname
	_ = unix.Uname(&uts)
	switch initial, certain := NetNSIsInitial(st.Ino, unix.ByteSliceToString(uts.Release[:])); {
	case initial:
		return "", nil
	case certain:
		return "", fmt.Errorf("network namespace %d is not the host's: %w", st.Ino, ErrNotHostNetNS)
	}
	return fmt.Sprintf("audit records arrive only in the host network namespace; cannot verify that network namespace %d is it", st.Ino), nil
}

// NetNSIsInitial says whether a network namespace inode is the initial
// one, and whether the kernel release makes the answer certain.
func NetNSIsInitial(inode uint64, release string) (initial, certain bool) {
	if inode == initNetNSInode {
		return true, true
	}
	major, rest, _ := strings.Cut(release, ".")
	ma, err1 := strconv.Atoi(major)
	mi, err2 := strconv.Atoi(leadingDigits(rest))
	if err1 != nil || err2 != nil {
		return false, false
	}
	return false, ma > 6 || (ma == 6 && mi >= 18)
}

func leadingDigits(s string) string {
	i := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return s[:i]
}
