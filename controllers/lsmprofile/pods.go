package lsmprofile

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/securityprofiles/operator/internal/podprofiles"
	"github.com/securityprofiles/operator/internal/selinuxcil"
)

// selinuxProfilesOfPod names the SelinuxProfiles (and RawSelinuxProfiles)
// of the pod's namespace whose type the pod runs with. A type of another
// namespace's policy does not count: profiles are used where they live.
func selinuxProfilesOfPod(pod *corev1.Pod) []types.NamespacedName {
	// Usage is "<name>" + a namespace suffix, so the suffix is the usage
	// of an empty name; the round trip below keeps Usage the only place
	// that knows the format.
	suffix := selinuxcil.Usage("", pod.Namespace)
	var out []types.NamespacedName
	for _, t := range podprofiles.SelinuxTypes(pod) {
		name, ok := strings.CutSuffix(t, suffix)
		if ok && name != "" && selinuxcil.Usage(name, pod.Namespace) == t {
			out = append(out, types.NamespacedName{Namespace: pod.Namespace, Name: name})
		}
	}
	return out
}

// appArmorProfilesOfPod names the AppArmorProfiles of the pod's namespace
// the pod asks for by name.
func appArmorProfilesOfPod(pod *corev1.Pod) []types.NamespacedName {
	var out []types.NamespacedName
	for _, name := range podprofiles.AppArmorProfiles(pod) {
		out = append(out, types.NamespacedName{Namespace: pod.Namespace, Name: name})
	}
	return out
}
