package seccompfilter

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// KernelSupport reports why this kernel cannot load seccomp filters, or
// nil. It asks the kernel directly: PR_GET_SECCOMP fails with EINVAL
// without CONFIG_SECCOMP, and PR_SET_SECCOMP in filter mode with a NULL
// program fails with EFAULT exactly when filter mode exists (the program
// is copied in before anything else is checked, so nothing is installed).
func KernelSupport() error {
	if err := unix.Prctl(unix.PR_GET_SECCOMP, 0, 0, 0, 0); errors.Is(err, unix.EINVAL) {
		return fmt.Errorf("kernel built without seccomp: %w", err)
	}
	err := unix.Prctl(unix.PR_SET_SECCOMP, unix.SECCOMP_MODE_FILTER, 0, 0, 0)
	if errors.Is(err, unix.EFAULT) {
		return nil
	}
	return fmt.Errorf("kernel has no seccomp filter mode: %v", err)
}
