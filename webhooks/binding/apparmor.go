package binding

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/securityprofiles/operator/internal/podpatch"
)

// appArmorAnnotation is the key of a container's deprecated AppArmor
// annotation. The API server still honours it, and on create it refuses a
// pod whose annotation and appArmorProfile field disagree, so whenever the
// webhook sets the field it keeps an existing annotation in step.
func appArmorAnnotation(container string) string {
	return corev1.DeprecatedAppArmorBetaContainerAnnotationKeyPrefix + container
}

// bareAppArmor reports whether an AppArmor annotation value is a bare
// profile name, as the user manual writes it ("test-profile"), instead of
// one of the forms the API server accepts.
func bareAppArmor(v string) bool {
	return v != "" && v != corev1.DeprecatedAppArmorBetaProfileRuntimeDefault &&
		v != corev1.DeprecatedAppArmorBetaProfileNameUnconfined &&
		!strings.HasPrefix(v, corev1.DeprecatedAppArmorBetaProfileNamePrefix)
}

// bareAppArmorNames lists, sorted, the bare profile names a pod's AppArmor
// annotations use: the names Mutate needs to know the AppArmorProfiles
// of.
func bareAppArmorNames(pod *corev1.Pod) []string {
	var out []string
	for k, v := range pod.Annotations {
		if strings.HasPrefix(k, corev1.DeprecatedAppArmorBetaContainerAnnotationKeyPrefix) && bareAppArmor(v) {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// currentAppArmor is the container's effective AppArmor profile: its own
// field, else its annotation, else the pod's field; "" when none is set.
// A Localhost profile is its name, a bare annotation value counts as one,
// and RuntimeDefault and Unconfined are non-name markers.
func currentAppArmor(pod *corev1.Pod, ctr *corev1.Container) string {
	if ctr.SecurityContext != nil && ctr.SecurityContext.AppArmorProfile != nil {
		return appArmorField(ctr.SecurityContext.AppArmorProfile)
	}
	if v, ok := pod.Annotations[appArmorAnnotation(ctr.Name)]; ok {
		switch v {
		case corev1.DeprecatedAppArmorBetaProfileRuntimeDefault:
			return "<" + string(corev1.AppArmorProfileTypeRuntimeDefault) + ">"
		case corev1.DeprecatedAppArmorBetaProfileNameUnconfined:
			return "<" + string(corev1.AppArmorProfileTypeUnconfined) + ">"
		}
		return strings.TrimPrefix(v, corev1.DeprecatedAppArmorBetaProfileNamePrefix)
	}
	if pod.Spec.SecurityContext != nil && pod.Spec.SecurityContext.AppArmorProfile != nil {
		return appArmorField(pod.Spec.SecurityContext.AppArmorProfile)
	}
	return ""
}

func appArmorField(p *corev1.AppArmorProfile) string {
	if p.Type == corev1.AppArmorProfileTypeLocalhost && p.LocalhostProfile != nil {
		return *p.LocalhostProfile
	}
	return "<" + string(p.Type) + ">"
}

// setsOwnAppArmor reports whether the container itself, not its pod,
// chooses an AppArmor profile.
func setsOwnAppArmor(pod *corev1.Pod, ctr *corev1.Container) bool {
	_, annotated := pod.Annotations[appArmorAnnotation(ctr.Name)]
	return annotated || (ctr.SecurityContext != nil && ctr.SecurityContext.AppArmorProfile != nil)
}

// describeAppArmor renders a currentAppArmor value for a warning.
func describeAppArmor(current string) string {
	if marker, ok := strings.CutPrefix(current, "<"); ok {
		return strings.TrimSuffix(marker, ">")
	}
	return string(corev1.AppArmorProfileTypeLocalhost) + " " + current
}

// bindAppArmor gives the container the bound profile name and keeps its
// annotation, if it has one, in step.
func (m *mutation) bindAppArmor(ctr *corev1.Container, b *Binding, own string) *corev1.AppArmorProfile {
	if b.Value != own && setsOwnAppArmor(m.pod, ctr) {
		m.warnings.add(fmt.Sprintf("container %q: ProfileBinding %s replaces its own AppArmor profile %s with Localhost %s", ctr.Name, b.Name, describeAppArmor(own), b.Value))
	}
	key := appArmorAnnotation(ctr.Name)
	if v, ok := m.pod.Annotations[key]; ok && v != corev1.DeprecatedAppArmorBetaProfileNamePrefix+b.Value {
		m.annotate(key, corev1.DeprecatedAppArmorBetaProfileNamePrefix+b.Value)
	}
	return podpatch.LocalhostAppArmor(b.Value)
}

// manualAppArmor completes the manual's bare annotation
// ("container.apparmor.security.beta.kubernetes.io/<container>:
// test-profile"), which the API server refuses: when an AppArmorProfile
// of that name exists in the pod's namespace, the annotation becomes
// localhost/<name> and the container's field, unless it sets one itself,
// the same Localhost profile. Other bare names are left for the API
// server to refuse, with a warning saying why.
func (m *mutation) manualAppArmor(ctr *corev1.Container) *corev1.AppArmorProfile {
	key := appArmorAnnotation(ctr.Name)
	name, ok := m.pod.Annotations[key]
	if !ok || !bareAppArmor(name) {
		return nil
	}
	if !m.appArmorProfiles[name] {
		m.warnings.add(fmt.Sprintf("container %q: annotation %s names %q, but there is no AppArmorProfile %q in the pod's namespace; "+
			"the API server accepts only %s<profile>, %s or %s", ctr.Name, key, name, name,
			corev1.DeprecatedAppArmorBetaProfileNamePrefix, corev1.DeprecatedAppArmorBetaProfileRuntimeDefault, corev1.DeprecatedAppArmorBetaProfileNameUnconfined))
		return nil
	}
	m.annotate(key, corev1.DeprecatedAppArmorBetaProfileNamePrefix+name)
	if ctr.SecurityContext != nil && ctr.SecurityContext.AppArmorProfile != nil {
		// The API server checks that the two agree.
		return nil
	}
	return podpatch.LocalhostAppArmor(name)
}
