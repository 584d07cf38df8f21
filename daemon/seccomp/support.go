package seccomp

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// requiredActions are the filter actions profiles use; a kernel that lacks
// one would fail to load such a profile at container start.
var requiredActions = []string{"allow", "errno", "log"}

// CheckSupport reports why the node cannot enforce seccomp profiles, or
// nil. procDir is the node's /proc (spod's hostProcVolumePath).
func CheckSupport(procDir string) error {
	data, err := os.ReadFile(filepath.Join(procDir, "sys", "kernel", "seccomp", "actions_avail"))
	if err != nil {
		return fmt.Errorf("kernel has no seccomp filter support (%w)", err)
	}
	avail := strings.Fields(string(data))
	for _, a := range requiredActions {
		if !contains(avail, a) {
			return fmt.Errorf("kernel lacks the seccomp action %q (has: %s)", a, strings.TrimSpace(string(data)))
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
