package selinuxcil

import (
	"strings"
)

// Limits on identifiers, the same as the CRD's (Translate enforces them
// again for objects that bypassed it).
const (
	maxObjectName = 253 // metadata.name, a DNS-1123 subdomain at most
	maxNamespace  = 63  // metadata.namespace, a DNS-1123 label
	maxTypeName   = 128 // an allow key
	maxClassName  = 64  // an object class
	maxPermName   = 64  // a permission
	maxSystemName = 253 // spec.inherit[].name
	// maxPolicyName keeps "<PolicyName>.cil", the file selinuxd reads and
	// the module it installs, within NAME_MAX (255 bytes).
	maxPolicyName = 255 - len(".cil")
)

// PolicyName is "<name>_<namespace>": the CIL block and selinuxd policy (file) name.
func PolicyName(name, namespace string) string { return name + "_" + namespace }

// Usage is "<name>_<namespace>.process": the type pods put in seLinuxOptions.type.
func Usage(name, namespace string) string { return PolicyName(name, namespace) + ".process" }

// checkObjectName checks a name and namespace that will be joined into a
// PolicyName. Both must be DNS-1123 labels (the name may be as long as a
// subdomain), which Kubernetes does not guarantee for names: a subdomain
// may hold '.', and '.' separates CIL namespaces, so "a.b" would declare
// no block at all and "a.b_ns.process" would name a type inside a block
// "a". Without '_' in either part, "<name>_<namespace>" also splits back
// unambiguously: two objects never share a policy name.
func checkObjectName(name, namespace string) error {
	if !isDNSLabel(name, maxObjectName) {
		return invalidf("metadata.name", "%q must be lowercase letters, digits and '-', starting and ending with a letter or digit (no '.': it separates CIL namespaces), at most %d characters", name, maxObjectName)
	}
	if !isDNSLabel(namespace, maxNamespace) {
		return invalidf("metadata.namespace", "%q must be a DNS-1123 label: lowercase letters, digits and '-', at most %d characters", namespace, maxNamespace)
	}
	if name[0] >= '0' && name[0] <= '9' {
		// libsemanage refuses module names that start with a digit, so
		// selinuxd would fail to install the policy on every node.
		return invalidf("metadata.name", "%q starts with a digit: SELinux module names must start with a letter", name)
	}
	if n := len(PolicyName(name, namespace)); n > maxPolicyName {
		return invalidf("metadata.name", "policy name %q is %d characters; with the namespace it may have at most %d, so the policy file name fits in 255 bytes", PolicyName(name, namespace), n, maxPolicyName)
	}
	return nil
}

func isDNSLabel(s string, maxLen int) bool {
	if s == "" || len(s) > maxLen || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// isTypeName reports whether s can stand as one SELinux type (or block)
// name in CIL: letters, digits, '_', '-' and '.', where '.' may only
// separate the parts of a name relative to the block, like foo_ns.process.
// A leading '.' would be an absolute reference into the global namespace;
// an empty part is no name at all.
func isTypeName(s string, maxLen int) bool {
	if s == "" || len(s) > maxLen || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// isClassOrPermName reports whether s is an object class or permission
// name as SELinux writes them: lowercase letters, digits and '_'.
func isClassOrPermName(s string, maxLen int) bool {
	if s == "" || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// permOperators are the words CIL reads as operators when they start a
// permission list: "( file ( not read ))" grants every file permission but
// read, "( file ( all ))" every one. As permission names they would turn a
// list of grants into an expression, so they are refused.
var permOperators = map[string]bool{"all": true, "and": true, "or": true, "not": true, "xor": true, "range": true}
