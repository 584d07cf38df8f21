package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
)

// What apparmor_parser needs to validate a policy offline (see
// internal/apparmor): the pinned feature ABI, and the parts of the include
// tree policies include. The rest of /etc/apparmor.d holds the host's own
// profiles, which no policy of ours may pull in.
const (
	apparmorParser   = "/usr/sbin/apparmor_parser"
	apparmorFeatures = "/usr/share/apparmor-features/features"
)

var apparmorIncludeDirs = []string{"/etc/apparmor.d/abi", "/etc/apparmor.d/abstractions", "/etc/apparmor.d/tunables"}

// buildManager adds the static manager binary and the AppArmor validator
// it runs (as nonroot, on a read-only root filesystem: the parser only
// reads).
func buildManager(l *layer, bin string) error {
	if err := staticBinary("manager")(l, bin); err != nil {
		return err
	}
	if err := addAppArmorParser(l); err != nil {
		return err
	}
	return addAppArmorIncludes(l)
}

// addAppArmorParser adds the host's apparmor_parser at /usr/sbin, with the
// libraries and loader ldd lists for it (glibc only), and the pinned
// feature ABI.
func addAppArmorParser(l *layer) error {
	src, err := exec.LookPath("apparmor_parser")
	if err != nil {
		src = apparmorParser
	}
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("apparmor_parser (Debian package apparmor) is not installed: %w", err)
	}
	if err := l.file(apparmorParser, src, 0o755); err != nil {
		return err
	}
	if err := addSharedLibs(l, src); err != nil {
		return err
	}
	if err := l.file(apparmorFeatures, apparmorFeatures, 0o644); err != nil {
		return fmt.Errorf("pinned AppArmor features: %w", err)
	}
	return nil
}

// addAppArmorIncludes copies the include directories that exist on the
// host, symlinks as symlinks.
func addAppArmorIncludes(l *layer) error {
	for _, root := range apparmorIncludeDirs {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			switch {
			case err != nil:
				return err
			case d.IsDir():
				return l.dir(p, 0o755)
			case d.Type()&fs.ModeSymlink != 0:
				target, err := os.Readlink(p)
				if err != nil {
					return err
				}
				return l.symlink(p, target)
			case d.Type().IsRegular():
				return l.file(p, p, 0o644)
			}
			return nil
		})
		if errors.Is(err, fs.ErrNotExist) && root == "/etc/apparmor.d/abi" {
			continue // older apparmor packages have no abi directory
		}
		if err != nil {
			return fmt.Errorf("AppArmor include tree: %w", err)
		}
	}
	return nil
}
