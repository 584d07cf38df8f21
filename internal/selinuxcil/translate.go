package selinuxcil

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"

	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
)

// The CRD's caps on spec.allow, enforced again so the output stays bounded.
const (
	maxTargets         = 128
	maxClassesPerType  = 64
	maxPermsPerClass   = 64
	maxInheritsPerSpec = 16
)

// Options are what the translation needs from outside the object.
type Options struct {
	// AllowedSystemProfiles is spod's spec.selinuxOptions.allowedSystemProfiles; empty means ["container"].
	AllowedSystemProfiles []string
	// ProfileExists reports whether a SelinuxProfile of that name exists in the profile's namespace
	// (inherit kind SelinuxProfile). nil means none exists. Its error is returned as is (not an *InvalidError): callers retry.
	ProfileExists func(name string) (bool, error)
}

// Translate validates p and returns its CIL. Every validation failure is an *InvalidError.
//
// The output is one block named PolicyName holding, one statement a line:
// the inherited blocks, "(typepermissive process)" when spec.permissive,
// then one allow rule per target type and object class, sorted. The
// system template container comes first unless a SelinuxProfile is
// inherited, even when spec.inherit does not list it; at most one
// SelinuxProfile may be inherited (inheritedBlocks says why). A missing
// SelinuxProfile is an *InvalidError although it may be created later:
// callers should translate again when profiles of the namespace change.
// For example:
//
//	(block nginx-secure_nginx-deploy
//	(blockinherit container)
//	(allow process nginx-secure_nginx-deploy.process ( tcp_socket ( listen )))
//	)
func Translate(p *selinuxprofilev1alpha2.SelinuxProfile, o Options) ([]byte, error) {
	if p == nil {
		return nil, invalidf("object", "no SelinuxProfile given")
	}
	if err := checkObjectName(p.Name, p.Namespace); err != nil {
		return nil, err
	}
	rules, err := allowRules(p.Name, p.Namespace, p.Spec.Allow)
	if err != nil {
		return nil, err
	}
	blocks, err := inheritedBlocks(p, o)
	if err != nil {
		return nil, err
	}

	var b bytes.Buffer
	fmt.Fprintf(&b, "(block %s\n", PolicyName(p.Name, p.Namespace))
	for _, block := range blocks {
		fmt.Fprintf(&b, "(blockinherit %s)\n", block)
	}
	if p.Spec.Permissive {
		b.WriteString("(typepermissive process)\n")
	}
	for _, rule := range rules {
		b.WriteString(rule)
		b.WriteByte('\n')
	}
	b.WriteString(")\n")
	return b.Bytes(), nil
}

// allowRules checks spec.allow and returns its allow rules in output order:
// target types by byte order of the key as written (so "@self" comes before
// names starting with a letter), then classes; permissions sorted and
// de-duplicated. Every key and permission must be one plain identifier, so
// nothing in them can open or close a list or start another statement.
func allowRules(name, namespace string, allow selinuxprofilev1alpha2.Allow) ([]string, error) {
	if len(allow) > maxTargets {
		return nil, invalidf("spec.allow", "has %d target types; at most %d are allowed", len(allow), maxTargets)
	}
	targets := make([]string, 0, len(allow))
	for k := range allow {
		targets = append(targets, string(k))
	}
	sort.Strings(targets)

	var rules []string
	for _, key := range targets {
		field := fmt.Sprintf("spec.allow[%q]", key)
		target := key
		if key == selinuxprofilev1alpha2.SelfLabel {
			target = Usage(name, namespace)
		} else if !isTypeName(key, maxTypeName) {
			return nil, invalidf(field, "is not %q or an SELinux type name: letters, digits, '_', '-' and '.' between name parts (like foo_ns.process), at most %d characters", selinuxprofilev1alpha2.SelfLabel, maxTypeName)
		}
		classRules, err := classRules(field, target, allow[selinuxprofilev1alpha2.LabelKey(key)])
		if err != nil {
			return nil, err
		}
		rules = append(rules, classRules...)
	}
	return rules, nil
}

// classRules returns the allow rules of one target type, one per class.
func classRules(field, target string, classes selinuxprofilev1alpha2.ObjectClassPermissions) ([]string, error) {
	if len(classes) == 0 {
		return nil, invalidf(field, "grants nothing: name at least one object class")
	}
	if len(classes) > maxClassesPerType {
		return nil, invalidf(field, "has %d object classes; at most %d are allowed", len(classes), maxClassesPerType)
	}
	names := make([]string, 0, len(classes))
	for c := range classes {
		names = append(names, string(c))
	}
	sort.Strings(names)

	rules := make([]string, 0, len(names))
	for _, class := range names {
		classField := fmt.Sprintf("%s[%q]", field, class)
		if !isClassOrPermName(class, maxClassName) {
			return nil, invalidf(classField, "is not an object class name: lowercase letters, digits and '_', at most %d characters", maxClassName)
		}
		perms, err := permissions(classField, classes[selinuxprofilev1alpha2.ObjectClassKey(class)])
		if err != nil {
			return nil, err
		}
		rules = append(rules, fmt.Sprintf("(allow process %s ( %s ( %s )))", target, class, strings.Join(perms, " ")))
	}
	return rules, nil
}

// permissions checks one permission list and returns it sorted and
// de-duplicated.
func permissions(field string, set selinuxprofilev1alpha2.PermissionSet) ([]string, error) {
	if len(set) == 0 {
		return nil, invalidf(field, "grants nothing: list at least one permission")
	}
	if len(set) > maxPermsPerClass {
		return nil, invalidf(field, "has %d permissions; at most %d are allowed", len(set), maxPermsPerClass)
	}
	perms := make([]string, 0, len(set))
	for i, perm := range set {
		permField := fmt.Sprintf("%s[%d]", field, i)
		if !isClassOrPermName(string(perm), maxPermName) {
			return nil, invalidf(permField, "%q is not a permission name: lowercase letters, digits and '_', at most %d characters", perm, maxPermName)
		}
		if permOperators[string(perm)] {
			return nil, invalidf(permField, "%q is a CIL operator, not a permission: it would turn the list into an expression; write the permissions out", perm)
		}
		perms = append(perms, string(perm))
	}
	sort.Strings(perms)
	return slices.Compact(perms), nil
}
