package apparmor

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Enabled reports whether the kernel has AppArmor enabled, from sysfs
// (sysRoot is the node's /sys): the module parameter reads "Y". A kernel
// built without AppArmor has no such file, which is not an error.
func Enabled(sysRoot string) (bool, error) {
	data, err := os.ReadFile(filepath.Join(sysRoot, "module", "apparmor", "parameters", "enabled"))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return strings.TrimSpace(string(data)) == "Y", nil
}
