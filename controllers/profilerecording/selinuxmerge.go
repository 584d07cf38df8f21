package profilerecording

import (
	"fmt"
	"maps"
	"slices"
	"sort"

	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
)

// Limits of a SelinuxProfile, as its CRD enforces them. A merged profile
// beyond them would be refused on every retry, so Plan refuses it first.
const (
	maxInherit      = 16
	maxAllowTypes   = 128
	maxAllowClasses = 64
	maxAllowPerms   = 64
)

// PlanSelinux turns the partial SelinuxProfiles of a recording into the
// merged profiles that replace them: one per spo.x-k8s.io/container-id
// label, named MergedName and labelled with the recording. A merged
// profile allows the union of what its partials allow (types, their
// classes and the classes' permissions, sorted) and inherits every policy
// a partial inherits, in the order they first appear when the partials
// are taken by name, so the result does not depend on the order of
// partials. An error means the partials cannot be merged as they are: a
// partial without a container, partials of one container that disagree
// on permissive, or a union beyond what a SelinuxProfile can hold.
func PlanSelinux(namespace, recording string, partials []selinuxprofilev1alpha2.SelinuxProfile) ([]selinuxprofilev1alpha2.SelinuxProfile, error) {
	groups, containers, err := groupByContainer(partials)
	if err != nil {
		return nil, err
	}
	out := make([]selinuxprofilev1alpha2.SelinuxProfile, 0, len(containers))
	for _, c := range containers {
		spec, err := mergeSelinux(c, groups[c])
		if err != nil {
			return nil, err
		}
		out = append(out, selinuxprofilev1alpha2.SelinuxProfile{ObjectMeta: mergedMeta(namespace, recording, c), Spec: spec})
	}
	return out, nil
}

// mergeSelinux merges the partial profiles of one container.
func mergeSelinux(container string, partials []selinuxprofilev1alpha2.SelinuxProfile) (selinuxprofilev1alpha2.SelinuxProfileSpec, error) {
	sort.Slice(partials, func(i, j int) bool { return partials[i].Name < partials[j].Name })
	spec := selinuxprofilev1alpha2.SelinuxProfileSpec{Permissive: partials[0].Spec.Permissive}
	allow := selinuxprofilev1alpha2.Allow{}
	for _, p := range partials {
		if p.Spec.Permissive != spec.Permissive {
			return spec, fmt.Errorf("partial profiles %s and %s of container %s disagree on permissive", partials[0].Name, p.Name, container)
		}
		for _, ref := range p.Spec.Inherit {
			if !slices.Contains(spec.Inherit, ref) {
				spec.Inherit = append(spec.Inherit, ref)
			}
		}
		for typ, classes := range p.Spec.Allow {
			if allow[typ] == nil {
				allow[typ] = selinuxprofilev1alpha2.ObjectClassPermissions{}
			}
			for class, perms := range classes {
				allow[typ][class] = append(allow[typ][class], perms...)
			}
		}
	}
	for _, classes := range allow {
		for class, perms := range classes {
			slices.Sort(perms)
			classes[class] = slices.Compact(perms)
		}
	}
	if len(allow) > 0 {
		spec.Allow = allow
	}
	if err := withinLimits(spec); err != nil {
		return spec, fmt.Errorf("merged profile of container %s %w", container, err)
	}
	return spec, nil
}

// withinLimits says which limit of the SelinuxProfile API spec exceeds.
func withinLimits(spec selinuxprofilev1alpha2.SelinuxProfileSpec) error {
	if len(spec.Inherit) > maxInherit {
		return fmt.Errorf("would inherit %d policies, more than the %d a SelinuxProfile takes", len(spec.Inherit), maxInherit)
	}
	if len(spec.Allow) > maxAllowTypes {
		return fmt.Errorf("would allow %d types, more than the %d a SelinuxProfile takes", len(spec.Allow), maxAllowTypes)
	}
	// In order, so the same partials always give the same message.
	for _, typ := range slices.Sorted(maps.Keys(spec.Allow)) {
		classes := spec.Allow[typ]
		if len(classes) > maxAllowClasses {
			return fmt.Errorf("would allow %d classes of type %s, more than the %d a SelinuxProfile takes", len(classes), typ, maxAllowClasses)
		}
		for _, class := range slices.Sorted(maps.Keys(classes)) {
			if perms := classes[class]; len(perms) > maxAllowPerms {
				return fmt.Errorf("would allow %d permissions on class %s of type %s, more than the %d a SelinuxProfile takes",
					len(perms), class, typ, maxAllowPerms)
			}
		}
	}
	return nil
}
