package selinuxd

import (
	"errors"
	"fmt"
)

// cilSuffix ends every policy file name; selinuxd names the module after
// the rest.
const cilSuffix = ".cil"

// MaxPolicyNameLen bounds a policy name so that its file name,
// <policy>.cil, fits in one path component (NAME_MAX, 255 bytes).
const MaxPolicyNameLen = 255 - len(cilSuffix)

// ErrInvalidName is returned for a policy name that must not become a
// file name or URL path.
var ErrInvalidName = errors.New("invalid policy name")

// ValidPolicyName accepts names made of ASCII letters, digits, '.', '_'
// and '-', not starting with '.', at most MaxPolicyNameLen bytes long.
// Policy names come from user-chosen profile names and namespaces and
// become file names under the policy directory and paths in selinuxd's
// URLs: the character set leaves no '/', no NUL and nothing to escape, and
// the leading-dot rule rules out ".", ".." and hidden files.
func ValidPolicyName(policy string) error {
	switch {
	case policy == "":
		return fmt.Errorf("%w: empty", ErrInvalidName)
	case len(policy) > MaxPolicyNameLen:
		return fmt.Errorf("%w: %d bytes, at most %d allowed", ErrInvalidName, len(policy), MaxPolicyNameLen)
	case policy[0] == '.':
		return fmt.Errorf("%w: %q starts with '.'", ErrInvalidName, policy)
	}
	for i := 0; i < len(policy); i++ {
		if !policyNameByte(policy[i]) {
			return fmt.Errorf("%w: %q has %q at byte %d; only letters, digits, '.', '_' and '-' are allowed",
				ErrInvalidName, policy, policy[i], i)
		}
	}
	return nil
}

func policyNameByte(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' ||
		b == '.' || b == '_' || b == '-'
}
