package main_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/securityprofiles/operator/test/require"
)

// TestRecordedProfileRunsInRunc records busybox on the host and runs the
// same command in a runc container with the OCI JSON as linux.seccomp,
// with no_new_privs on (runc loads the filter right before exec) and off
// (runc loads it before changing credentials, which is what the base
// syscalls are for).
func TestRecordedProfileRunsInRunc(t *testing.T) {
	requireRecorder(t)
	runc := require.Command(t, "runc")
	// Debian's busybox-static: a static binary is a whole root file system.
	busybox := require.Command(t, "busybox")
	g := NewWithT(t)
	dir := t.TempDir()
	profile := filepath.Join(dir, "profile.json")
	rec := spoc(t, "record", "-t", "raw-seccomp", "-o", profile, busybox, "echo", "hi")
	g.Expect(rec.code).To(Equal(0), rec.stderr)
	g.Expect(rec.stdout).To(Equal("hi\n"))

	bundle := busyboxBundle(t, runc, busybox)
	for i, nnp := range []bool{true, false} {
		t.Run("noNewPrivileges="+strconv.FormatBool(nnp), func(t *testing.T) {
			g := NewWithT(t)
			setSeccomp(g, bundle, profile, nnp)
			id := "spoc-test-" + strconv.Itoa(os.Getpid()) + "-" + strconv.Itoa(i)
			res := execute(t, nil, runc, "--root", filepath.Join(dir, "state"), "run", "--bundle", bundle, id)
			g.Expect(res.code).To(Equal(0), res.stderr)
			g.Expect(res.stdout).To(Equal("hi\n"))
		})
	}
}

// busyboxBundle makes an OCI bundle whose root file system is busybox.
func busyboxBundle(t *testing.T, runc, busybox string) string {
	g := NewWithT(t)
	bundle := t.TempDir()
	bin := filepath.Join(bundle, "rootfs", "bin")
	g.Expect(os.MkdirAll(bin, 0o755)).To(Succeed())
	data, err := os.ReadFile(busybox)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(os.WriteFile(filepath.Join(bin, "busybox"), data, 0o755)).To(Succeed())
	g.Expect(os.Symlink("busybox", filepath.Join(bin, "sh"))).To(Succeed())
	cmd := exec.Command(runc, "spec")
	cmd.Dir = bundle
	out, err := cmd.CombinedOutput()
	g.Expect(err).NotTo(HaveOccurred(), string(out))
	return bundle
}

// setSeccomp puts the profile into the bundle's config.json and runs
// busybox echo without a terminal.
func setSeccomp(g *WithT, bundle, profile string, noNewPrivs bool) {
	path := filepath.Join(bundle, "config.json")
	var config map[string]any
	data, err := os.ReadFile(path)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(json.Unmarshal(data, &config)).To(Succeed())
	var seccomp any
	data, err = os.ReadFile(profile)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(json.Unmarshal(data, &seccomp)).To(Succeed())

	process := config["process"].(map[string]any)
	process["terminal"] = false
	process["args"] = []string{"/bin/busybox", "echo", "hi"}
	process["noNewPrivileges"] = noNewPrivs
	config["root"].(map[string]any)["path"] = filepath.Join(bundle, "rootfs")
	config["linux"].(map[string]any)["seccomp"] = seccomp
	data, err = json.Marshal(config)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(os.WriteFile(path, data, 0o644)).To(Succeed())
}
