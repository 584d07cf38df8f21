package apparmor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"time"
)

// Loader loads and removes profiles in the kernel. It needs CAP_MAC_ADMIN
// and the node's securityfs.
type Loader struct {
	// Parser is the apparmor_parser path; "" looks it up on PATH.
	Parser string
	// Includes is the include tree; "" means DefaultIncludes.
	Includes string
	// SecurityFS is where securityfs is mounted; "" means
	// DefaultSecurityFS.
	SecurityFS string
	// Timeout bounds a load; 0 means DefaultTimeout.
	Timeout time.Duration
}

// Load adds the profiles of policy to the kernel, replacing loaded ones of
// the same name (-r), compiled for the kernel's own features. The policy
// cache is neither read nor written (-K): a node's cache directory is not
// ours to fill. Callers validate first; Load still refuses directives
// that would make the parser, running as root, read files outside the
// include tree.
func (l Loader) Load(ctx context.Context, policy string) error {
	if err := checkText(policy); err != nil {
		return err
	}
	parser, err := findParser(l.Parser)
	if err != nil {
		return err
	}
	includes := orDefault(l.Includes, DefaultIncludes)
	args := slices.Concat(baseArgs(includes), []string{
		"--subdomainfs=" + l.apparmorFS(), "--replace", "--skip-cache", "--abort-on-error",
	})
	if _, err := runParser(ctx, parser, args, policy, includes, l.Timeout); err != nil {
		return fmt.Errorf("load AppArmor policy: %w", err)
	}
	return nil
}

// profileName is what Unload accepts: an object name (a DNS subdomain).
// Anything else could address another namespace (":ns:") or a child.
var profileName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$`)

// Unload removes the profile name, and with it its hats and child
// profiles, from the kernel; a profile that is not loaded is fine.
//
// It writes the name to the kernel's .remove file instead of running
// apparmor_parser -R: -R derives the name from policy text, which a
// deleted object no longer has, and the name is exactly what we hold.
func (l Loader) Unload(ctx context.Context, name string) error {
	if !profileName.MatchString(name) {
		return fmt.Errorf("unload AppArmor profile %q: not a profile name this operator loads", name)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(l.apparmorFS(), ".remove"), os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("unload AppArmor profile %s: %w", name, err)
	}
	_, err = f.Write([]byte(name))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	// The kernel answers ENOENT for a name it does not hold.
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("unload AppArmor profile %s: %w", name, err)
	}
	return nil
}

func (l Loader) apparmorFS() string {
	return filepath.Join(orDefault(l.SecurityFS, DefaultSecurityFS), "apparmor")
}
