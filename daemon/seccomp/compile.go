package seccomp

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	"github.com/securityprofiles/operator/internal/baseprofiles"
	"github.com/securityprofiles/operator/internal/seccomp"
)

// MaxBaseDepth bounds baseProfileName chains.
const MaxBaseDepth = 15

// MaxProfileBytes bounds the JSON written to a node. A real profile is a
// few KiB; anything near this is an attack on the node's disk or the
// runtime's parser, not a policy.
const MaxProfileBytes = 256 << 10

// Reasons a profile is not installed, used in node status, Events and the
// error metric's reason label.
const (
	ReasonInvalid          = "InvalidSeccompProfile"
	ReasonNotAllowed       = "ProfileNotAllowed"
	ReasonActionNotAllowed = "ProfileActionNotAllowed"
	ReasonNotSupported     = "SeccompNotSupportedOnNode"
	ReasonCannotSave       = "CannotSaveSeccompProfile"
	ReasonCannotRemove     = "CannotRemoveSeccompProfile"
	ReasonNodeStatus       = "CannotUpdateNodeStatus"
	// ReasonCannotUpdate counts failed updates of a SeccompProfile object
	// by a node process: the audit-mode writes of status.auditedSyscalls.
	ReasonCannotUpdate = "CannotUpdateSeccompProfile"
	ReasonInstalled    = "ProfileInstalled"
	ReasonBaseNotFound = "BaseProfileNotFound"
	ReasonDisabled     = "ProfileDisabled"
)

// RejectedError says why a profile cannot be installed as it is; retrying
// will not help until the profile (or spod's allowedSyscalls or
// allowedSeccompActions) changes.
type RejectedError struct {
	Reason  string
	Message string
}

func (e *RejectedError) Error() string { return e.Message }

func rejected(reason, format string, args ...any) error {
	return &RejectedError{Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// Lookup finds another SeccompProfile's spec by name in the same namespace.
type Lookup func(name string) (*seccompprofilev1beta1.SeccompProfileSpec, bool)

// Resolve merges a spec's base profile chain into one OCI profile. Bases
// are looked up in the profile's namespace first, then among the shipped
// base profiles. The spec's own default action, errno and rules come
// first; every base adds its rules, architectures and flags. A profile
// without a listenerPath takes the nearest base's listener, so a profile
// can build on a base that notifies.
func Resolve(spec seccompprofilev1beta1.SeccompProfileSpec, lookup Lookup) (seccomp.Profile, error) {
	chain := []string{}
	merged := *spec.DeepCopy()
	for base := spec.BaseProfileName; base != ""; {
		if slices.Contains(chain, base) {
			return seccomp.Profile{}, rejected(ReasonInvalid, "baseProfileName cycle: %s -> %s", strings.Join(chain, " -> "), base)
		}
		if len(chain) == MaxBaseDepth {
			return seccomp.Profile{}, rejected(ReasonInvalid, "baseProfileName chain deeper than %d: %s", MaxBaseDepth, strings.Join(chain, " -> "))
		}
		chain = append(chain, base)
		next, ok := lookup(base)
		if !ok {
			shipped, found := baseprofiles.Get(base)
			if !found {
				return seccomp.Profile{}, rejected(ReasonBaseNotFound,
					"base profile %q is neither a SeccompProfile in this namespace nor a shipped base profile (%s)",
					base, strings.Join(sorted(baseprofiles.Names()), ", "))
			}
			next = &shipped
		}
		merged.Architectures = append(merged.Architectures, next.Architectures...)
		merged.Flags = append(merged.Flags, next.Flags...)
		merged.Syscalls = append(merged.Syscalls, next.Syscalls...)
		if merged.ListenerPath == "" {
			merged.ListenerPath, merged.ListenerMetadata = next.ListenerPath, next.ListenerMetadata
		}
		base = next.BaseProfileName
	}
	merged.BaseProfileName = ""
	p, err := seccomp.FromSpec(merged)
	if err != nil {
		return seccomp.Profile{}, rejected(ReasonInvalid, "%v", err)
	}
	if err := checkListener(p.ListenerPath); err != nil {
		return seccomp.Profile{}, rejected(ReasonInvalid, "%v", err)
	}
	return p, nil
}

// checkListener repeats the CRD's rule for listenerPath on the node, for
// objects stored before the rule or by a base profile: the runtime hands
// the container's notify fd, and with it the power to answer the
// container's syscalls, to whatever listens there.
func checkListener(path string) error {
	if path == "" {
		return nil
	}
	dir := seccompprofilev1beta1.ListenerDir
	if filepath.Clean(path) != path || strings.Contains(path, "\x00") ||
		!strings.HasPrefix(path, dir) || len(path) == len(dir) || slices.Contains(strings.Split(path, "/"), "..") {
		return fmt.Errorf("listenerPath %q must be a clean path below %s", path, dir)
	}
	return nil
}

// DisallowedActions lists the actions p uses, as default or in a rule,
// that are not in allowed (spod's allowedSeccompActions). An empty
// allowed list allows all.
func DisallowedActions(p seccomp.Profile, allowed []string) []string {
	if len(allowed) == 0 {
		return nil
	}
	var out []string
	for _, a := range seccomp.Actions(p) {
		if !slices.Contains(allowed, a) {
			out = append(out, a)
		}
	}
	return seccomp.Union(out)
}

// Violations lists what a profile permits beyond the allowed syscalls:
// every syscall it lets through (allowed or only logged), and a default
// action that lets everything through. An empty allowed list allows all.
func Violations(p seccomp.Profile, allowed []string) []string {
	if len(allowed) == 0 {
		return nil
	}
	var out []string
	if permits(p.DefaultAction) {
		out = append(out, "defaultAction "+p.DefaultAction)
	}
	for _, s := range p.Syscalls {
		if !permits(s.Action) {
			continue
		}
		for _, n := range s.Names {
			if !slices.Contains(allowed, n) {
				out = append(out, n)
			}
		}
	}
	return seccomp.Union(out)
}

// permits reports whether action may let a call through. A notify
// listener may let it continue, so it counts as permitting.
func permits(action string) bool {
	return action == seccomp.ActionAllow || action == seccomp.ActionLog || action == seccomp.ActionNotify
}

func sorted(s []string) []string {
	slices.Sort(s)
	return s
}
