package profilerecording

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	"github.com/securityprofiles/operator/internal/seccomp"
)

// MergedName is the name of the profile the partial profiles of container
// are merged into.
func MergedName(recording, container string) string {
	return recording + "-" + container
}

// Plan turns the partial profiles of a recording into the merged profiles
// that replace them: one per spo.x-k8s.io/container-id label, named
// MergedName, labelled with the recording and holding the union of the
// partials' rules (see seccomp.Merge) on their common base profile. The
// result is sorted by name and does not depend on the order of partials.
// An error means the partials cannot be merged as they are: a partial
// without a container, partials of one container with different default
// actions or base profiles, or an invalid partial.
func Plan(namespace, recording string, partials []seccompprofilev1beta1.SeccompProfile) ([]seccompprofilev1beta1.SeccompProfile, error) {
	groups, containers, err := groupByContainer(partials)
	if err != nil {
		return nil, err
	}
	out := make([]seccompprofilev1beta1.SeccompProfile, 0, len(containers))
	for _, c := range containers {
		spec, err := mergeContainer(c, groups[c])
		if err != nil {
			return nil, err
		}
		out = append(out, seccompprofilev1beta1.SeccompProfile{ObjectMeta: mergedMeta(namespace, recording, c), Spec: spec})
	}
	return out, nil
}

// mergeContainer merges the partial profiles of one container. The
// partials are sorted by name first so that rule order, and with it the
// merged spec, is the same whatever order the cache listed them in.
func mergeContainer(container string, partials []seccompprofilev1beta1.SeccompProfile) (seccompprofilev1beta1.SeccompProfileSpec, error) {
	sort.Slice(partials, func(i, j int) bool { return partials[i].Name < partials[j].Name })
	base := partials[0].Spec.BaseProfileName
	names := make([]string, 0, len(partials))
	profiles := make([]seccomp.Profile, 0, len(partials))
	for _, p := range partials {
		if p.Spec.BaseProfileName != base {
			return seccompprofilev1beta1.SeccompProfileSpec{}, fmt.Errorf(
				"partial profiles %s and %s of container %s have different base profiles %q and %q",
				partials[0].Name, p.Name, container, base, p.Spec.BaseProfileName)
		}
		// The base stays a reference: it is resolved when the merged
		// profile is installed, as for any other profile.
		spec := *p.Spec.DeepCopy()
		spec.BaseProfileName = ""
		prof, err := seccomp.FromSpec(spec)
		if err != nil {
			return seccompprofilev1beta1.SeccompProfileSpec{}, fmt.Errorf("partial profile %s: %w", p.Name, err)
		}
		names = append(names, p.Name)
		profiles = append(profiles, prof)
	}
	merged, err := seccomp.Merge(profiles...)
	if err != nil {
		// Merge numbers the profiles in the order given, which is names.
		return seccompprofilev1beta1.SeccompProfileSpec{}, fmt.Errorf(
			"partial profiles of container %s (%s): %w", container, strings.Join(names, ", "), err)
	}
	spec, err := seccomp.ToSpec(merged)
	if err != nil {
		return seccompprofilev1beta1.SeccompProfileSpec{}, fmt.Errorf("merged profile of container %s: %w", container, err)
	}
	spec.BaseProfileName = base
	return spec, nil
}

// groupByContainer groups a recording's partial profiles by their
// spo.x-k8s.io/container-id label and returns the containers sorted. A
// partial without the label cannot be merged with anything.
func groupByContainer[P any, T interface {
	*P
	client.Object
}](partials []P) (map[string][]P, []string, error) {
	groups := map[string][]P{}
	for i := range partials {
		obj := T(&partials[i])
		container := obj.GetLabels()[keys.ContainerIDLabel]
		if container == "" {
			return nil, nil, fmt.Errorf("partial profile %s has no %s label", obj.GetName(), keys.ContainerIDLabel)
		}
		groups[container] = append(groups[container], partials[i])
	}
	return groups, slices.Sorted(maps.Keys(groups)), nil
}

// mergedMeta names and labels the merged profile of a container.
func mergedMeta(namespace, recording, container string) metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Namespace: namespace,
		Name:      MergedName(recording, container),
		Labels:    map[string]string{keys.RecordingIDLabel: recording},
	}
}
