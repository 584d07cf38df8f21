package selinuxdtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
)

// semoduleMu lets one policy rebuild run at a time in a test binary: each
// keeps the CPUs busy for seconds, and the test machines have two.
var semoduleMu sync.Mutex

// install installs the module in file (named after the file, as selinuxd
// does) into the store, and returns semodule's output.
func (s *Store) install(ctx context.Context, file string) (string, error) {
	semoduleMu.Lock()
	defer semoduleMu.Unlock()
	// -n: SELinux is not active on the test machines, and even where it is,
	// the host's kernel must never load a test policy.
	return semodule(ctx, "-p", s.root, "-n", "-i", file)
}

// remove removes module from the store.
func (s *Store) remove(ctx context.Context, module string) (string, error) {
	semoduleMu.Lock()
	defer semoduleMu.Unlock()
	return semodule(ctx, "-p", s.root, "-n", "-r", module)
}

// modules lists the store's modules, sorted. Listing reads the store
// without rebuilding it, so it does not wait for semoduleMu.
func (s *Store) modules(ctx context.Context) ([]string, error) {
	cmd := exec.CommandContext(ctx, "semodule", "-p", s.root, "-l")
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("semodule -l: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	var modules []string
	for line := range strings.Lines(string(out)) {
		if fields := strings.Fields(line); len(fields) > 0 {
			modules = append(modules, fields[0])
		}
	}
	slices.Sort(modules)
	return modules, nil
}

// semodule runs semodule and returns its combined output, trimmed: on
// failure that is the message selinuxd reports.
func semodule(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "semodule", args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}
