package envtest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// RestartAPIServer restarts kube-apiserver while etcd keeps running, as
// a control-plane upgrade or a crash does: nothing stored is lost, and
// clients built from Config (or a Kubeconfig written before) reconnect to
// the same address with the same certificates.
//
// The server is stopped the way the kubelet stops it: SIGTERM, which
// closes its listener at once, then SIGKILL once grace has passed. (It
// does not exit on SIGTERM by itself while clients hold watches open; it
// waits for them as long as the kubelet lets it.) envtest's own
// Stop/Start would not do: Stop waits out that delay, deletes the
// server's temporary certificate directory, and Start then issues a new
// serving CA no existing client trusts. So the certificates are copied to
// certDir and the server starts again from there. certDir must be empty
// and outlive the control plane (a t.TempDir() of the test), since the
// server reads it for its whole second life.
func (e *Env) RestartAPIServer(certDir string, grace time.Duration) error {
	api := e.Environment.ControlPlane.APIServer
	old := api.CertDir
	if err := copyFiles(old, certDir); err != nil {
		return fmt.Errorf("keep API server certificates: %w", err)
	}
	pid, err := apiServerPID(old)
	if err != nil {
		return err
	}
	if err := stopProcess(pid, grace); err != nil {
		return fmt.Errorf("stop API server: %w", err)
	}
	// Start replaces envtest's record of the process; the old record
	// would have removed the old directory, so that is done here.
	api.CertDir = certDir
	if err := api.Start(); err != nil {
		return fmt.Errorf("start API server again: %w", err)
	}
	if old != certDir {
		return os.RemoveAll(old)
	}
	return nil
}

// apiServerPID finds the kube-apiserver serving from certDir: envtest
// keeps its process handle to itself.
func apiServerPID(certDir string) (int, error) {
	want := "--cert-dir=" + certDir
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && slices.Contains(strings.Split(string(cmdline), "\x00"), want) {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("no kube-apiserver runs with %s", want)
}

// stopProcess sends pid SIGTERM, then SIGKILL after grace, and returns
// once the process is gone (envtest reaps it).
func stopProcess(pid int, grace time.Duration) error {
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return err
	}
	deadline := time.Now().Add(grace)
	killed := false
	for {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return nil
		}
		if !killed && time.Now().After(deadline) {
			if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
				return err
			}
			killed = true
		}
		if killed && time.Now().After(deadline.Add(30*time.Second)) {
			return fmt.Errorf("process %d still there 30s after SIGKILL", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// copyFiles copies the regular files of from (envtest writes no
// subdirectories there) into to.
func copyFiles(from, to string) error {
	entries, err := os.ReadDir(from)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), data, 0o600); err != nil {
			return err
		}
	}
	return nil
}
