package apparmor

import "time"

// Defaults of Validator and Loader fields left empty.
const (
	// DefaultFeatures is the feature ABI Debian's apparmor package pins
	// for offline compilation; policies are checked against it when the
	// kernel's own features are not at hand (e.g. in the manager).
	DefaultFeatures = "/usr/share/apparmor-features/features"
	// DefaultIncludes is the include tree #include <...> resolves in.
	DefaultIncludes = "/etc/apparmor.d"
	// DefaultSecurityFS is where securityfs is mounted.
	DefaultSecurityFS = "/sys/kernel/security"
	// DefaultTimeout bounds one apparmor_parser run. Compiling a large
	// policy takes well under a second; a parser still busy after this is
	// stuck on a pathological policy or a starved node.
	DefaultTimeout = 30 * time.Second
)

// MaxPolicyBytes bounds the policy text, as the AppArmorProfile CRD does.
const MaxPolicyBytes = 1 << 20

// ConditionPolicyValid is the AppArmorProfile status condition in which the
// manager reports whether spec.policy passed Validate. Nodes load a policy
// only once it is True for the object's current generation.
const ConditionPolicyValid = "PolicyValid"

// Reasons of an InvalidError, usable as condition reasons.
const (
	// ReasonSyntaxError: apparmor_parser rejected the policy.
	ReasonSyntaxError = "SyntaxError"
	// ReasonNameMismatch: the policy declares no profile named like the
	// object.
	ReasonNameMismatch = "NameMismatch"
	// ReasonTooManyProfiles: the policy declares other profiles besides
	// the object's own (and its hats and child profiles).
	ReasonTooManyProfiles = "TooManyProfiles"
	// ReasonForbiddenInclude: an include or abi directive names a file
	// outside the include tree.
	ReasonForbiddenInclude = "ForbiddenInclude"
	// ReasonTooLarge: the policy exceeds MaxPolicyBytes.
	ReasonTooLarge = "TooLarge"
)

// InvalidError says why a policy is not acceptable. Retrying cannot help
// until the policy changes.
type InvalidError struct {
	Reason  string
	Message string
}

func (e *InvalidError) Error() string { return e.Message }

func invalid(reason, message string) *InvalidError {
	return &InvalidError{Reason: reason, Message: message}
}
