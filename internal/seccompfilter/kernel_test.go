package seccompfilter

import (
	"os"
	"testing"
)

func TestKernelSupport(t *testing.T) {
	_, statErr := os.Stat("/proc/sys/kernel/seccomp/actions_avail")
	if err := KernelSupport(); (err == nil) != (statErr == nil) {
		t.Errorf("KernelSupport() = %v, but actions_avail: %v", err, statErr)
	}
}
