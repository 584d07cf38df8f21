package recorder

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Capability numbers from linux/capability.h.
const (
	capSysAdmin = 21
	capPerfmon  = 38
	capBPF      = 39
)

// btfPath is where the kernel exposes its own BTF, which CO-RE relocations
// are resolved against.
const btfPath = "/sys/kernel/btf/vmlinux"

// preflight names what the kernel or the process lacks, before libbpf gets
// a chance to fail with a less helpful message.
func preflight() error {
	if _, err := os.Stat(btfPath); err != nil {
		return fmt.Errorf("kernel BTF is missing (%w): the recorder needs a kernel built with CONFIG_DEBUG_INFO_BTF=y", err)
	}
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return fmt.Errorf("read capabilities: %w", err)
	}
	defer f.Close()
	caps, err := effectiveCaps(f)
	if err != nil {
		return fmt.Errorf("read capabilities: %w", err)
	}
	if !hasCap(caps, capSysAdmin) && !(hasCap(caps, capBPF) && hasCap(caps, capPerfmon)) {
		return errors.New("missing privileges: loading the eBPF recorder needs CAP_SYS_ADMIN, or CAP_BPF and CAP_PERFMON (run as root)")
	}
	return nil
}

// effectiveCaps parses the CapEff line of /proc/<pid>/status.
func effectiveCaps(status io.Reader) (uint64, error) {
	s := bufio.NewScanner(status)
	for s.Scan() {
		value, ok := strings.CutPrefix(s.Text(), "CapEff:")
		if !ok {
			continue
		}
		return strconv.ParseUint(strings.TrimSpace(value), 16, 64)
	}
	if err := s.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("no CapEff line in process status")
}

func hasCap(caps uint64, capability uint) bool {
	return caps&(1<<capability) != 0
}
