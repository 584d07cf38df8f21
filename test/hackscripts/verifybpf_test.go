package hackscripts

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/securityprofiles/operator/test/envtest"
	"github.com/securityprofiles/operator/test/require"
)

// bpfTree is what `make bpf` and hack/verify-bpf.sh need of the clone.
var bpfTree = []string{
	"Makefile", "hack/bpf-inputs.sh", "hack/verify-bpf.sh",
	"recorder/bpf/recorder.bpf.c", "recorder/bpf/vmlinux.h",
}

// TestVerifyBPFCatchesDrift: make verify rebuilds the committed BPF object
// and fails when it was not rebuilt after a change of its source or of
// vmlinux.h, or when it differs from what they compile to. Neither needs
// the running kernel's BTF: vmlinux.h is committed.
func TestVerifyBPFCatchesDrift(t *testing.T) {
	for _, tool := range []string{"bash", "make", "clang", "llvm-strip", "sha256sum"} {
		require.Command(t, tool)
	}
	clone, build := t.TempDir(), t.TempDir()
	for _, dir := range []string{clone, build} {
		for _, f := range bpfTree {
			copyFile(t, filepath.Join(envtest.RepoRoot(), f), filepath.Join(dir, f))
		}
	}
	// The clone's object and its inputs, as make bpf commits them here.
	verifyBPF(t, clone, "make", "--no-print-directory", "bpf")
	for _, f := range []string{"recorder/bpf/recorder.bpf.o", "recorder/bpf/recorder.bpf.o.inputs"} {
		copyFile(t, filepath.Join(clone, f), filepath.Join(build, f))
	}
	if out, err := verifyBPF(t, clone, "bash", "hack/verify-bpf.sh", build); err != nil {
		t.Fatalf("verify-bpf.sh fails on an object just built: %v\n%s", err, out)
	}

	// An input changed, the object was not rebuilt.
	for _, input := range []string{"recorder.bpf.c", "vmlinux.h"} {
		path := "recorder/bpf/" + input
		original, err := os.ReadFile(filepath.Join(clone, path))
		if err != nil {
			t.Fatal(err)
		}
		edited := append([]byte("// An edit without make bpf.\n"), original...)
		writeFile(t, filepath.Join(clone, path), edited)
		writeFile(t, filepath.Join(build, path), edited)
		expectFailure(t, clone, build, "built from another "+input)
		writeFile(t, filepath.Join(clone, path), original)
		writeFile(t, filepath.Join(build, path), original)
	}

	// The object is not what its inputs compile to.
	object := filepath.Join(clone, "recorder/bpf/recorder.bpf.o")
	data, err := os.ReadFile(object)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)-1] ^= 0xff
	writeFile(t, object, data)
	expectFailure(t, clone, build, "differs from a rebuild")
}

func expectFailure(t *testing.T, clone, build, message string) {
	t.Helper()
	out, err := verifyBPF(t, clone, "bash", "hack/verify-bpf.sh", build)
	if err == nil || !strings.Contains(out, message) {
		t.Errorf("verify-bpf.sh: %v, want a failure saying %q:\n%s", err, message, out)
	}
}

func verifyBPF(t *testing.T, dir, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if name == "make" && err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out), err
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, to, data)
	if info, err := os.Stat(from); err == nil && info.Mode()&0o111 != 0 {
		if err := os.Chmod(to, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
