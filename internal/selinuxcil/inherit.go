package selinuxcil

import (
	"fmt"
	"slices"

	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
)

// containerTemplate is the system template that declares a profile's
// "process" type (container-selinux and udica ship it as an abstract
// block). The other templates (net_container, log_container …) only add
// rules for "process", so they cannot compile without it.
const containerTemplate = "container"

// inheritedBlocks checks spec.inherit and returns the blocks to inherit, in
// output order:
//
//   - When no SelinuxProfile is inherited, container comes first even if
//     spec.inherit does not list it (an empty list is [System container],
//     as the CRD defaults it), because every other template builds on its
//     "process" type; upstream SPO always emitted it, and its users'
//     profiles like inherit: [net_container] rely on that.
//   - When a SelinuxProfile is inherited, container is left out even if
//     listed: the other profile's block already carries it (every
//     SelinuxProfile gets it by the rule above), and inheriting it twice
//     re-declares its types, which fails to compile. For the same reason at
//     most one SelinuxProfile can be inherited.
//   - Then every other entry in spec order, once: a System profile as its
//     own name, a SelinuxProfile as its block "<name>_<namespace>" (the
//     block, not its ".process" type: blockinherit takes a block).
//
// Every System profile used, listed or implied, must be in
// AllowedSystemProfiles. Pure checks run first so that bad input is
// reported without a lookup; ProfileExists is called last.
func inheritedBlocks(p *selinuxprofilev1alpha2.SelinuxProfile, o Options) ([]string, error) {
	refs := p.Spec.Inherit
	if len(refs) > maxInheritsPerSpec {
		return nil, invalidf("spec.inherit", "has %d entries; at most %d are allowed", len(refs), maxInheritsPerSpec)
	}
	allowed := o.AllowedSystemProfiles
	if len(allowed) == 0 {
		allowed = []string{containerTemplate}
	}

	var ordered []string
	var profile, profileField string
	for i, ref := range refs {
		field := fmt.Sprintf("spec.inherit[%d]", i)
		var block string
		switch ref.Kind {
		case "", selinuxprofilev1alpha2.PolicyKindSystem:
			if !isTypeName(ref.Name, maxSystemName) {
				return nil, invalidf(field+".name", "%q is not a system profile name: letters, digits, '_', '-' and '.' between name parts, at most %d characters", ref.Name, maxSystemName)
			}
			if !slices.Contains(allowed, ref.Name) {
				return nil, invalidf(field+".name", "system profile %q is not in the SecurityProfilesOperatorDaemon's spec.selinuxOptions.allowedSystemProfiles %q", ref.Name, allowed)
			}
			if ref.Name == containerTemplate {
				continue // placed first, or carried by the inherited profile
			}
			block = ref.Name
		case selinuxprofilev1alpha2.PolicyKindSelinuxProfile:
			if !isDNSLabel(ref.Name, maxObjectName) {
				return nil, invalidf(field+".name", "%q is not the name of a SelinuxProfile: lowercase letters, digits and '-', at most %d characters", ref.Name, maxObjectName)
			}
			if ref.Name == p.Name {
				return nil, invalidf(field+".name", "a profile cannot inherit itself")
			}
			if profile != "" && profile != ref.Name {
				return nil, invalidf(field+".name", "inherits SelinuxProfile %q as well as %q: each carries the container template, and inheriting it twice re-declares its types; inherit one of them", ref.Name, profile)
			}
			profile, profileField = ref.Name, field+".name"
			block = PolicyName(ref.Name, p.Namespace)
		default:
			return nil, invalidf(field+".kind", "unknown kind %q: use %s or %s", ref.Kind, selinuxprofilev1alpha2.PolicyKindSystem, selinuxprofilev1alpha2.PolicyKindSelinuxProfile)
		}
		if !slices.Contains(ordered, block) {
			ordered = append(ordered, block)
		}
	}

	if profile != "" {
		if err := checkProfileExists(o, profile, profileField, p.Namespace); err != nil {
			return nil, err
		}
		return ordered, nil
	}
	if !slices.Contains(allowed, containerTemplate) {
		return nil, invalidf("spec.inherit", "a profile that inherits no SelinuxProfile builds on the system profile %q, which is not in the SecurityProfilesOperatorDaemon's spec.selinuxOptions.allowedSystemProfiles %q", containerTemplate, allowed)
	}
	return append([]string{containerTemplate}, ordered...), nil
}

// checkProfileExists asks whether the inherited SelinuxProfile exists. A
// lookup error is returned unchanged: it is not the object's fault.
func checkProfileExists(o Options, name, field, namespace string) error {
	exists := false
	if o.ProfileExists != nil {
		var err error
		if exists, err = o.ProfileExists(name); err != nil {
			return err
		}
	}
	if !exists {
		return invalidf(field, "SelinuxProfile %q does not exist in namespace %q", name, namespace)
	}
	return nil
}
