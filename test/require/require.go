package require

import (
	"os"
	"os/exec"
	"testing"
)

// InCI reports whether the tests run on CI, where every capability exists.
func InCI() bool { return os.Getenv("CI") == "true" }

func missing(t testing.TB, what string) {
	t.Helper()
	if InCI() {
		t.Fatalf("CI=true but %s: CI machines must provide it", what)
	}
	t.Skipf("skipping: %s", what)
}

// Root needs the test to run as root.
func Root(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		missing(t, "not running as root")
	}
}

// BTF needs kernel BTF at /sys/kernel/btf/vmlinux (CO-RE eBPF).
func BTF(t testing.TB) {
	t.Helper()
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		missing(t, "kernel BTF is not available: "+err.Error())
	}
}

// Seccomp needs a kernel with seccomp filter support.
func Seccomp(t testing.TB) {
	t.Helper()
	if _, err := os.Stat("/proc/sys/kernel/seccomp/actions_avail"); err != nil {
		missing(t, "kernel has no seccomp filter support: "+err.Error())
	}
}

// Command needs an executable on PATH and returns its path.
func Command(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		missing(t, name+" is not installed")
	}
	return p
}
