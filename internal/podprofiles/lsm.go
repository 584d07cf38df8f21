package podprofiles

import (
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// SelinuxTypes returns the sorted SELinux types a pod asks for anywhere:
// seLinuxOptions.type of the pod and of every container, init and
// ephemeral ones included. Operator policies' types look like
// "<name>_<namespace>.process"; other types are returned too.
func SelinuxTypes(pod *corev1.Pod) []string {
	var out []string
	add := func(o *corev1.SELinuxOptions) {
		if o != nil && o.Type != "" {
			out = append(out, o.Type)
		}
	}
	if pod.Spec.SecurityContext != nil {
		add(pod.Spec.SecurityContext.SELinuxOptions)
	}
	eachContext(pod, func(sc *corev1.SecurityContext) { add(sc.SELinuxOptions) })
	slices.Sort(out)
	return slices.Compact(out)
}

// AppArmorProfiles returns the sorted names of the Localhost AppArmor
// profiles a pod asks for: appArmorProfile of the pod and of every
// container (init and ephemeral ones included), and the deprecated
// per-container annotations with a "localhost/<name>" value. Runtime
// default and unconfined are left out: no operator profile is behind them.
func AppArmorProfiles(pod *corev1.Pod) []string {
	var out []string
	add := func(p *corev1.AppArmorProfile) {
		if p != nil && p.Type == corev1.AppArmorProfileTypeLocalhost && p.LocalhostProfile != nil && *p.LocalhostProfile != "" {
			out = append(out, *p.LocalhostProfile)
		}
	}
	if pod.Spec.SecurityContext != nil {
		add(pod.Spec.SecurityContext.AppArmorProfile)
	}
	eachContext(pod, func(sc *corev1.SecurityContext) { add(sc.AppArmorProfile) })
	for k, v := range pod.Annotations {
		if !strings.HasPrefix(k, corev1.DeprecatedAppArmorBetaContainerAnnotationKeyPrefix) {
			continue
		}
		if name, ok := strings.CutPrefix(v, corev1.DeprecatedAppArmorBetaProfileNamePrefix); ok && name != "" {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// eachContext calls f with the security context of every container that
// has one: init, regular and ephemeral.
func eachContext(pod *corev1.Pod, f func(*corev1.SecurityContext)) {
	for _, c := range pod.Spec.InitContainers {
		if c.SecurityContext != nil {
			f(c.SecurityContext)
		}
	}
	for _, c := range pod.Spec.Containers {
		if c.SecurityContext != nil {
			f(c.SecurityContext)
		}
	}
	for _, c := range pod.Spec.EphemeralContainers {
		if c.SecurityContext != nil {
			f(c.SecurityContext)
		}
	}
}
