package binding

import (
	corev1 "k8s.io/api/core/v1"
)

// currentSeccomp is the container's effective Localhost profile path, its
// own setting before the pod's; "" when neither sets a profile, and a
// non-path marker for RuntimeDefault or Unconfined so it never equals a
// binding's path.
func currentSeccomp(pod *corev1.Pod, ctr *corev1.Container) string {
	sp := (*corev1.SeccompProfile)(nil)
	if ctr.SecurityContext != nil && ctr.SecurityContext.SeccompProfile != nil {
		sp = ctr.SecurityContext.SeccompProfile
	} else if pod.Spec.SecurityContext != nil {
		sp = pod.Spec.SecurityContext.SeccompProfile
	}
	if sp == nil {
		return ""
	}
	if sp.Type == corev1.SeccompProfileTypeLocalhost && sp.LocalhostProfile != nil {
		return *sp.LocalhostProfile
	}
	return "<" + string(sp.Type) + ">"
}

// currentSELinuxType is the container's effective SELinux type, its own
// before the pod's; "" when neither sets one.
func currentSELinuxType(pod *corev1.Pod, ctr *corev1.Container) string {
	if ctr.SecurityContext != nil && ctr.SecurityContext.SELinuxOptions != nil && ctr.SecurityContext.SELinuxOptions.Type != "" {
		return ctr.SecurityContext.SELinuxOptions.Type
	}
	if pod.Spec.SecurityContext != nil && pod.Spec.SecurityContext.SELinuxOptions != nil {
		return pod.Spec.SecurityContext.SELinuxOptions.Type
	}
	return ""
}

// describeSeccomp renders a profile for a warning.
func describeSeccomp(sp *corev1.SeccompProfile) string {
	if sp.LocalhostProfile != nil {
		return string(sp.Type) + " " + *sp.LocalhostProfile
	}
	return string(sp.Type)
}

// warnings is an ordered set of warning texts: a problem seen on several
// containers is reported once.
type warnings struct {
	list []string
	seen map[string]bool
}

func (w *warnings) add(s string) {
	if w.seen == nil {
		w.seen = map[string]bool{}
	}
	if !w.seen[s] {
		w.seen[s] = true
		w.list = append(w.list, s)
	}
}
