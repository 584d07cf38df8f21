package runc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/securityprofiles/operator/test/require"
)

// Result is how a container run ended.
type Result struct {
	Stdout, Stderr string
	Code           int
}

// Bundle is an OCI bundle whose root file system is busybox.
type Bundle struct {
	dir, runc string
}

var seq atomic.Int64

// NewBundle builds a bundle in a temporary directory. It needs root, runc
// and busybox (busybox-static), failing under CI=true when one is missing.
func NewBundle(t testing.TB) *Bundle {
	t.Helper()
	require.Root(t)
	runc := require.Command(t, "runc")
	busybox := require.Command(t, "busybox")
	dir := t.TempDir()
	bin := filepath.Join(dir, "rootfs", "bin")
	data, err := os.ReadFile(busybox)
	if err == nil {
		err = errors.Join(os.MkdirAll(bin, 0o755), os.MkdirAll(filepath.Join(dir, "rootfs", "tmp"), 0o1777))
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(bin, "busybox"), data, 0o755)
	}
	if err == nil {
		cmd := exec.Command(runc, "spec")
		cmd.Dir = dir
		if out, cerr := cmd.CombinedOutput(); cerr != nil {
			err = fmt.Errorf("runc spec: %v: %s", cerr, out)
		}
	}
	if err != nil {
		t.Fatalf("build busybox bundle: %v", err)
	}
	return &Bundle{dir: dir, runc: runc}
}

// Run runs args in the container with profile (OCI seccomp JSON) as its
// linux.seccomp, the way the kubelet's runtime would.
func (b *Bundle) Run(t testing.TB, profile []byte, args ...string) Result {
	t.Helper()
	if err := b.configure(profile, args); err != nil {
		t.Fatalf("configure bundle: %v", err)
	}
	id := "spo-test-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatInt(seq.Add(1), 10)
	cmd := exec.Command(b.runc, "--root", filepath.Join(b.dir, "state"), "run", "--bundle", b.dir, id)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		res.Code = exit.ExitCode()
	case err != nil:
		t.Fatalf("runc run: %v", err)
	}
	return res
}

func (b *Bundle) configure(profile []byte, args []string) error {
	path := filepath.Join(b.dir, "config.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var config map[string]any
	var seccomp any
	if err := errors.Join(json.Unmarshal(data, &config), json.Unmarshal(profile, &seccomp)); err != nil {
		return err
	}
	process := config["process"].(map[string]any)
	process["terminal"] = false
	process["args"] = append([]string{"/bin/busybox"}, args...)
	// Writable root so mkdir reaches the kernel rather than EROFS.
	root := config["root"].(map[string]any)
	root["path"] = filepath.Join(b.dir, "rootfs")
	root["readonly"] = false
	config["linux"].(map[string]any)["seccomp"] = seccomp
	out, err := json.Marshal(config)
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o644)
}
