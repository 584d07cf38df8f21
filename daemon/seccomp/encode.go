package seccomp

import (
	"strings"

	"github.com/securityprofiles/operator/internal/seccomp"
	"github.com/securityprofiles/operator/internal/seccompfilter"
)

// Encode checks a resolved profile against spod's allowed syscalls and
// libseccomp (every name known for every architecture, every action and
// comparison loadable), and returns the OCI JSON to install.
func Encode(p seccomp.Profile, allowed []string) ([]byte, error) {
	if v := Violations(p, allowed); len(v) > 0 {
		return nil, rejected(ReasonNotAllowed, "profile permits what spod's allowedSyscalls does not: %s", strings.Join(v, ", "))
	}
	f, err := seccompfilter.Build(p)
	if err != nil {
		return nil, rejected(ReasonInvalid, "%v", err)
	}
	f.Release()
	data, err := seccomp.EncodeOCI(p)
	if err != nil {
		return nil, rejected(ReasonInvalid, "%v", err)
	}
	if len(data) > MaxProfileBytes {
		return nil, rejected(ReasonInvalid, "profile is %d bytes of JSON, more than the %d a node accepts", len(data), MaxProfileBytes)
	}
	return data, nil
}
