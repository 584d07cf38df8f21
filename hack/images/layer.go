package main

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// epoch is every entry's mtime, so the same binaries give the same digests.
var epoch = time.Unix(0, 0)

// layer builds an uncompressed layer tar in memory, creating parent
// directories on first use.
type layer struct {
	buf   bytes.Buffer
	tw    *tar.Writer
	dirs  map[string]bool
	files map[string]bool
}

func newLayer() *layer {
	l := &layer{dirs: map[string]bool{}, files: map[string]bool{}}
	l.tw = tar.NewWriter(&l.buf)
	return l
}

func (l *layer) dir(name string, mode int64) error {
	name = strings.Trim(path.Clean(name), "/")
	if name == "" || name == "." || l.dirs[name] {
		return nil
	}
	if err := l.dir(path.Dir(name), 0o755); err != nil {
		return err
	}
	l.dirs[name] = true
	return l.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode, ModTime: epoch, Format: tar.FormatPAX})
}

func (l *layer) bytes(name string, data []byte, mode int64) error {
	name = strings.Trim(path.Clean(name), "/")
	if err := l.dir(path.Dir(name), 0o755); err != nil {
		return err
	}
	l.files[name] = true
	hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(data)), ModTime: epoch, Format: tar.FormatPAX}
	if err := l.tw.WriteHeader(hdr); err != nil {
		return err
	}
	_, err := l.tw.Write(data)
	return err
}

// file copies a host file (following symlinks) into the layer at name.
// Binaries share libraries: a name already added is not added again.
func (l *layer) file(name, src string, mode int64) error {
	if l.files[strings.Trim(path.Clean(name), "/")] {
		return nil
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return l.bytes(name, data, mode)
}

func (l *layer) symlink(name, target string) error {
	name = strings.Trim(path.Clean(name), "/")
	if err := l.dir(path.Dir(name), 0o755); err != nil {
		return err
	}
	return l.tw.WriteHeader(&tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777, ModTime: epoch, Format: tar.FormatPAX})
}

func (l *layer) close() ([]byte, error) {
	if err := l.tw.Close(); err != nil {
		return nil, err
	}
	return l.buf.Bytes(), nil
}

// base writes what every image has: a world-writable /tmp and passwd/group
// entries for root and nonroot, so tools that look users up do not fail.
func (l *layer) base() error {
	if err := l.dir("tmp", 0o1777); err != nil {
		return err
	}
	if err := l.bytes("etc/passwd", []byte("root:x:0:0:root:/root:/bin/sh\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"), 0o644); err != nil {
		return err
	}
	return l.bytes("etc/group", []byte("root:x:0:\nnonroot:x:65532:\n"), 0o644)
}

// staticBinary puts bin/<name> at /<name>, refusing a dynamically linked
// binary: it would not start on the empty base.
func staticBinary(name string) func(*layer, string) error {
	return func(l *layer, bin string) error {
		src := filepath.Join(bin, name)
		if interp, err := interpreter(src); err != nil {
			return err
		} else if interp != "" {
			return fmt.Errorf("%s is dynamically linked (%s); build it with CGO_ENABLED=0", src, interp)
		}
		return l.file(name, src, 0o755)
	}
}

// buildDaemon adds bin/daemon and, when it is dynamically linked (cgo with
// libseccomp), the shared libraries and loader ldd lists for it, and the
// apparmor_parser that loads AppArmor profiles (the include tree is the
// node's, mounted by the DaemonSet).
func buildDaemon(l *layer, bin string) error {
	src := filepath.Join(bin, "daemon")
	if err := l.file("daemon", src, 0o755); err != nil {
		return err
	}
	if err := addSharedLibs(l, src); err != nil {
		return err
	}
	return addAppArmorParser(l)
}

// addSharedLibs adds the shared libraries and loader ldd lists for a
// dynamically linked binary at their host paths; a static one needs none.
func addSharedLibs(l *layer, src string) error {
	interp, err := interpreter(src)
	if err != nil || interp == "" {
		return err
	}
	libs, err := sharedLibs(src)
	if err != nil {
		return err
	}
	for _, lib := range append(libs, interp) {
		if err := l.file(lib, lib, 0o755); err != nil {
			return fmt.Errorf("shared library of %s: %w", src, err)
		}
	}
	return nil
}

func interpreter(p string) (string, error) {
	f, err := elf.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			b, err := io.ReadAll(prog.Open())
			return strings.TrimRight(string(b), "\x00"), err
		}
	}
	return "", nil
}

// sharedLibs lists the absolute paths ldd resolves for a binary.
func sharedLibs(p string) ([]string, error) {
	out, err := exec.Command("ldd", p).Output()
	if err != nil {
		return nil, fmt.Errorf("ldd %s: %w", p, err)
	}
	var libs []string
	for _, line := range strings.Split(string(out), "\n") {
		if _, after, ok := strings.Cut(line, "=> "); ok {
			if f := strings.Fields(after); len(f) > 0 && strings.HasPrefix(f[0], "/") {
				libs = append(libs, f[0])
			}
		}
	}
	return libs, nil
}

// buildBusybox makes a workload image from the host's static busybox with a
// symlink per applet under /bin.
func buildBusybox(l *layer, _ string) error {
	src, err := exec.LookPath("busybox")
	if err != nil {
		return fmt.Errorf("busybox-static is not installed: %w", err)
	}
	if interp, err := interpreter(src); err != nil || interp != "" {
		return fmt.Errorf("%s is not a static busybox (install busybox-static): %v", src, err)
	}
	if err := l.file("bin/busybox", src, 0o755); err != nil {
		return err
	}
	out, err := exec.Command(src, "--list").Output()
	if err != nil {
		return fmt.Errorf("busybox --list: %w", err)
	}
	for _, applet := range strings.Fields(string(out)) {
		if applet == "busybox" {
			continue
		}
		if err := l.symlink("bin/"+applet, "busybox"); err != nil {
			return err
		}
	}
	return nil
}
