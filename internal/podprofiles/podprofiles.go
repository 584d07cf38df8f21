package podprofiles

import (
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/securityprofiles/operator/apis/keys"
)

// LocalhostPath is the localhostProfile of an operator-managed profile.
func LocalhostPath(namespace, name string) string {
	return "operator/" + namespace + "/" + name + ".json"
}

// ParseLocalhostPath reverses LocalhostPath.
func ParseLocalhostPath(p string) (types.NamespacedName, bool) {
	rest, ok := strings.CutPrefix(p, "operator/")
	if !ok {
		return types.NamespacedName{}, false
	}
	ns, file, ok := strings.Cut(rest, "/")
	name, isJSON := strings.CutSuffix(file, ".json")
	if !ok || !isJSON || ns == "" || name == "" || strings.Contains(name, "/") {
		return types.NamespacedName{}, false
	}
	return types.NamespacedName{Namespace: ns, Name: name}, true
}

// Seccomp returns the sorted operator-managed profile paths a pod
// references anywhere: pod and container security contexts (init and
// ephemeral containers too) and the legacy pre-1.19 annotations.
func Seccomp(pod *corev1.Pod) []string {
	var out []string
	add := func(sp *corev1.SeccompProfile) {
		if sp != nil && sp.Type == corev1.SeccompProfileTypeLocalhost && sp.LocalhostProfile != nil {
			out = append(out, *sp.LocalhostProfile)
		}
	}
	if pod.Spec.SecurityContext != nil {
		add(pod.Spec.SecurityContext.SeccompProfile)
	}
	for _, c := range slices.Concat(pod.Spec.InitContainers, pod.Spec.Containers) {
		if c.SecurityContext != nil {
			add(c.SecurityContext.SeccompProfile)
		}
	}
	for _, c := range pod.Spec.EphemeralContainers {
		if c.SecurityContext != nil {
			add(c.SecurityContext.SeccompProfile)
		}
	}
	for k, v := range pod.Annotations {
		if k == keys.SeccompPodAnnotation || strings.HasPrefix(k, keys.SeccompContainerAnnotationPrefix) {
			if p, ok := strings.CutPrefix(v, "localhost/"); ok {
				out = append(out, p)
			}
		}
	}
	out = slices.DeleteFunc(out, func(p string) bool {
		_, ok := ParseLocalhostPath(p)
		return !ok
	})
	slices.Sort(out)
	return slices.Compact(out)
}

// Running reports whether a pod still holds on to its profiles: it has
// not finished (a finished pod's containers never start again).
func Running(pod *corev1.Pod) bool {
	return pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed
}
