package selinux

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KernelEnabled reports whether the node's kernel booted with SELinux on.
// procRoot is the node's /proc. The kernel registers the selinuxfs file
// system only when SELinux initialised at boot, so its entry in
// /proc/filesystems is the answer; a kernel with SELinux compiled in but
// disabled (selinux=0, or an LSM list without it) does not list it.
func KernelEnabled(procRoot string) (bool, error) {
	data, err := os.ReadFile(filepath.Join(procRoot, "filesystems"))
	if err != nil {
		return false, fmt.Errorf("read kernel file systems: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		// Lines are "[nodev]\t<name>": the name is the last field.
		fields := strings.Fields(sc.Text())
		if len(fields) > 0 && fields[len(fields)-1] == "selinuxfs" {
			return true, nil
		}
	}
	return false, sc.Err()
}
