package main

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/securityprofiles/operator/test/require"
)

// imageLayer writes an image, with the host's static busybox standing in
// for its binary, and returns its layer.
func imageLayer(t *testing.T, image string) []byte {
	t.Helper()
	require.Command(t, "apparmor_parser")
	busybox := require.Command(t, "busybox")
	bin := t.TempDir()
	data, err := os.ReadFile(busybox)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, image), data, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), image+".tar")
	if err := write(path, images[image], bin); err != nil {
		t.Fatal(err)
	}
	archive, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	files := readArchive(t, archive)
	var index struct{ Manifests []descriptor }
	var manifest struct{ Layers []descriptor }
	blob := func(d descriptor) []byte { return files["blobs/sha256/"+strings.TrimPrefix(d.Digest, "sha256:")] }
	if err := json.Unmarshal(files["index.json"], &index); err != nil || len(index.Manifests) != 1 {
		t.Fatalf("index.json: %v", err)
	}
	if err := json.Unmarshal(blob(index.Manifests[0]), &manifest); err != nil || len(manifest.Layers) != 1 {
		t.Fatalf("manifest: %v", err)
	}
	return blob(manifest.Layers[0])
}

func TestManagerImageCarriesTheAppArmorValidator(t *testing.T) {
	files := readArchive(t, imageLayer(t, "manager"))
	parser, err := exec.LookPath("apparmor_parser")
	if err != nil {
		t.Fatal(err)
	}
	interp, err := interpreter(parser)
	if err != nil || interp == "" {
		t.Fatalf("apparmor_parser is expected to be dynamically linked: %v", err)
	}
	libs, err := sharedLibs(parser)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"manager", "usr/sbin/apparmor_parser", "usr/share/apparmor-features/features",
		"etc/apparmor.d/abstractions/base", "etc/apparmor.d/tunables/global", strings.TrimPrefix(interp, "/")}
	for _, lib := range libs {
		want = append(want, strings.TrimPrefix(lib, "/"))
	}
	for _, name := range want {
		if _, ok := files[name]; !ok {
			t.Errorf("manager image lacks %s", name)
		}
	}
	if !slices.ContainsFunc(libs, func(l string) bool { return strings.HasPrefix(filepath.Base(l), "libc.so") }) {
		t.Errorf("ldd lists no libc for apparmor_parser: %v", libs)
	}
	// The host's own profiles are not the manager's business: including
	// one would declare a second profile.
	for name := range files {
		if strings.HasPrefix(name, "etc/apparmor.d/") && !strings.HasSuffix(name, "/") && !strings.HasPrefix(name, "etc/apparmor.d/abstractions") &&
			!strings.HasPrefix(name, "etc/apparmor.d/tunables") && !strings.HasPrefix(name, "etc/apparmor.d/abi") {
			t.Errorf("manager image carries %s", name)
		}
	}
}

// TestManagerImageValidatesAsNonroot runs the image's apparmor_parser
// confined to the image's files (chroot), as the manager's nonroot user,
// the way the validator does: the manual's profile passes and a syntax
// error fails.
func TestManagerImageValidatesAsNonroot(t *testing.T) {
	require.Root(t)
	root := t.TempDir()
	extract(t, imageLayer(t, "manager"), root)
	// The container runtime provides /dev; the validator reads /dev/null
	// as its parser configuration.
	if err := os.MkdirAll(filepath.Join(root, "dev"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mknod(filepath.Join(root, "dev", "null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	validate := func(policy string) error {
		cmd := exec.Command("/usr/sbin/apparmor_parser", "--config-file=/dev/null", "--base=/etc/apparmor.d",
			"--Include=/etc/apparmor.d", "--features-file="+apparmorFeatures, "--skip-kernel-load", "--skip-cache")
		cmd.Stdin = strings.NewReader(policy)
		cmd.Dir = "/"
		cmd.Env = []string{}
		cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root, Credential: &syscall.Credential{Uid: 65532, Gid: 65532}}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Logf("apparmor_parser: %s", out)
		}
		return err
	}
	const manual = "#include <tunables/global>\n\nprofile test-profile flags=(attach_disconnected) {\n" +
		"  #include <abstractions/base>\n\n  file,\n\n  # Deny all file writes.\n  deny /** w,\n}\n"
	if err := validate(manual); err != nil {
		t.Fatalf("the manual's profile does not validate in the manager image: %v", err)
	}
	if err := validate(strings.Replace(manual, "deny /** w,", "deny /** w", 1)); err == nil {
		t.Fatal("a syntax error validated")
	}
}

// extract unpacks a layer tar into dir.
func extract(t *testing.T, layer []byte, dir string) {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(layer))
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.Clean("/"+hdr.Name))
		switch hdr.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(p, os.FileMode(hdr.Mode).Perm())
		case tar.TypeSymlink:
			err = os.Symlink(hdr.Linkname, p)
		case tar.TypeReg:
			var data []byte
			if data, err = io.ReadAll(tr); err == nil {
				err = os.WriteFile(p, data, os.FileMode(hdr.Mode).Perm())
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestDaemonImageCarriesTheAppArmorLoader: the daemon loads profiles with
// apparmor_parser; the include tree is the node's (a hostPath mount).
func TestDaemonImageCarriesTheAppArmorLoader(t *testing.T) {
	files := readArchive(t, imageLayer(t, "daemon"))
	for _, name := range []string{"daemon", "usr/sbin/apparmor_parser", "usr/share/apparmor-features/features"} {
		if _, ok := files[name]; !ok {
			t.Errorf("daemon image lacks %s", name)
		}
	}
}
