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

// AuditDir is the directory, inside a namespace's profile directory, that
// holds the audit-mode copies of its profiles. A profile's own file ends
// in .json, so no profile name can collide with it.
const AuditDir = "audit"

// AuditLocalhostPath is the localhostProfile of a profile's audit-mode
// copy: the profile with every blocking action turned into SCMP_ACT_LOG.
func AuditLocalhostPath(namespace, name string) string {
	return "operator/" + namespace + "/" + AuditDir + "/" + name + ".json"
}

// ParseLocalhostPath reverses LocalhostPath and AuditLocalhostPath: it
// names the profile a path belongs to.
func ParseLocalhostPath(p string) (types.NamespacedName, bool) {
	key, _, ok := ParseLocalhostPathMode(p)
	return key, ok
}

// ParseLocalhostPathMode is ParseLocalhostPath that also reports whether
// the path is the profile's audit-mode copy.
func ParseLocalhostPathMode(p string) (key types.NamespacedName, audit, ok bool) {
	rest, ok := strings.CutPrefix(p, "operator/")
	if !ok {
		return types.NamespacedName{}, false, false
	}
	ns, file, ok := strings.Cut(rest, "/")
	if f, isAudit := strings.CutPrefix(file, AuditDir+"/"); isAudit {
		file, audit = f, true
	}
	name, isJSON := strings.CutSuffix(file, ".json")
	if !ok || !isJSON || ns == "" || name == "" || strings.Contains(name, "/") {
		return types.NamespacedName{}, false, false
	}
	return types.NamespacedName{Namespace: ns, Name: name}, audit, true
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
	for _, cs := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for _, c := range cs {
			if c.SecurityContext != nil {
				add(c.SecurityContext.SeccompProfile)
			}
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
