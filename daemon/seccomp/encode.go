package seccomp

import (
	"strings"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/internal/seccomp"
	"github.com/securityprofiles/operator/internal/seccompfilter"
)

// Limits are what spod lets any profile do; empty lists limit nothing.
type Limits struct {
	// Syscalls is spod's allowedSyscalls.
	Syscalls []string
	// Actions is spod's allowedSeccompActions.
	Actions []string
}

// LimitsOf reads the limits from spod's spec.
func LimitsOf(spec spodv1alpha1.SPODSpec) Limits {
	l := Limits{Syscalls: spec.AllowedSyscalls}
	for _, a := range spec.AllowedSeccompActions {
		l.Actions = append(l.Actions, string(a))
	}
	return l
}

// Encode checks a resolved profile against spod's limits and libseccomp
// (every name known for every architecture, every action and comparison
// compilable; the filter is never loaded), and returns the OCI JSON to
// install.
func Encode(p seccomp.Profile, limits Limits) ([]byte, error) {
	if v := DisallowedActions(p, limits.Actions); len(v) > 0 {
		return nil, rejected(ReasonActionNotAllowed, "profile uses seccomp actions spod's allowedSeccompActions does not allow: %s", strings.Join(v, ", "))
	}
	if v := Violations(p, limits.Syscalls); len(v) > 0 {
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
