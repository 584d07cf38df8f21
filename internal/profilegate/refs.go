package profilegate

import (
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apparmorprofilev1alpha1 "github.com/securityprofiles/operator/apis/apparmorprofile/v1alpha1"
	profilebindingv1alpha1 "github.com/securityprofiles/operator/apis/profilebinding/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
	"github.com/securityprofiles/operator/internal/podprofiles"
)

// Ref names a profile a pod may wait for.
type Ref struct {
	// Kind is SeccompProfile, SelinuxProfile or AppArmorProfile. An SELinux
	// type may belong to a SelinuxProfile or a RawSelinuxProfile of the
	// same name, so SelinuxProfile stands for both.
	Kind profilebindingv1alpha1.ProfileKind
	Key  types.NamespacedName
}

// String is how an index or a message names the reference.
func (r Ref) String() string { return string(r.Kind) + " " + r.Key.String() }

// Refs lists, sorted and without duplicates, the profiles of ours a pod
// may use: every operator seccomp path (a profile and its audit copy are
// one profile), and every SELinux type and Localhost AppArmor profile that
// can name a profile in the pod's own namespace. Whether such a profile
// exists is for Read to tell; system types like spc_t never appear.
func Refs(pod *corev1.Pod) []Ref {
	var out []Ref
	for _, p := range podprofiles.Seccomp(pod) {
		if key, ok := podprofiles.ParseLocalhostPath(p); ok {
			out = append(out, Ref{Kind: profilebindingv1alpha1.ProfileKindSeccomp, Key: key})
		}
	}
	for _, t := range podprofiles.SelinuxTypes(pod) {
		if key, ok := podprofiles.ParseSelinuxUsage(t); ok && key.Namespace == pod.Namespace && objectName(key.Name) {
			out = append(out, Ref{Kind: profilebindingv1alpha1.ProfileKindSelinux, Key: key})
		}
	}
	for _, name := range podprofiles.AppArmorProfiles(pod) {
		// The node loads an AppArmorProfile under its metadata.name.
		if objectName(name) {
			out = append(out, Ref{Kind: profilebindingv1alpha1.ProfileKindAppArmor, Key: types.NamespacedName{Namespace: pod.Namespace, Name: name}})
		}
	}
	slices.SortFunc(out, func(a, b Ref) int { return strings.Compare(a.String(), b.String()) })
	return slices.Compact(out)
}

// objectName reports whether s can be a profile's metadata.name; other
// names are not looked up.
func objectName(s string) bool { return len(validation.IsDNS1123Subdomain(s)) == 0 }

// RefOf is the reference a profile object answers to, false for objects
// that are not profiles a pod can wait for.
func RefOf(obj client.Object) (Ref, bool) {
	var kind profilebindingv1alpha1.ProfileKind
	switch obj.(type) {
	case *seccompprofilev1beta1.SeccompProfile:
		kind = profilebindingv1alpha1.ProfileKindSeccomp
	case *selinuxprofilev1alpha2.SelinuxProfile, *selinuxprofilev1alpha2.RawSelinuxProfile:
		kind = profilebindingv1alpha1.ProfileKindSelinux
	case *apparmorprofilev1alpha1.AppArmorProfile:
		kind = profilebindingv1alpha1.ProfileKindAppArmor
	default:
		return Ref{}, false
	}
	return Ref{Kind: kind, Key: client.ObjectKeyFromObject(obj)}, true
}
