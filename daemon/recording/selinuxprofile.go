package recording

import (
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/securityprofiles/operator/apis/keys"
	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
)

// recordedBasePolicy is the system policy every recorded SelinuxProfile
// inherits. The recording type is built on it, so the kernel logs only
// what it does not already allow: the denials complete it.
const recordedBasePolicy = "container"

// Limits of a SelinuxProfile's allow map, as its CRD enforces them: a
// profile beyond them would be refused on every retry.
const (
	maxAllowTypes   = 128
	maxAllowClasses = 64
	maxAllowPerms   = 64
)

// SelinuxProfile returns the SelinuxProfile of a recorded container: the
// system policy container plus an allow rule for every denial seen, the
// recording type itself written @self so the profile grants its own
// process what the recorded process did to itself. A container that was
// denied nothing gets the base policy alone. It is named and labelled as
// Profile names SeccompProfiles. dropped counts denials left out to keep
// within the API's limits.
func SelinuxProfile(in Recorded) (sp *selinuxprofilev1alpha2.SelinuxProfile, dropped int) {
	allow, dropped := selinuxAllow(in.Denials)
	return &selinuxprofilev1alpha2.SelinuxProfile{
		TypeMeta:   metav1.TypeMeta{APIVersion: selinuxprofilev1alpha2.GroupVersion.String(), Kind: "SelinuxProfile"},
		ObjectMeta: recordedMeta(in),
		Spec: selinuxprofilev1alpha2.SelinuxProfileSpec{
			Inherit: []selinuxprofilev1alpha2.PolicyRef{{Kind: selinuxprofilev1alpha2.PolicyKindSystem, Name: recordedBasePolicy}},
			Allow:   allow,
		},
	}, dropped
}

// selinuxAllow turns denials into an allow map: target type → class →
// sorted permissions without duplicates, nil when there are none. Denials
// are taken in sorted order, so which ones the limits drop does not
// depend on the order they were seen in.
func selinuxAllow(denials []Denial) (selinuxprofilev1alpha2.Allow, int) {
	sorted := slices.Clone(denials)
	sortDenials(sorted)
	allow := selinuxprofilev1alpha2.Allow{}
	dropped := 0
	for _, d := range sorted {
		key := selinuxprofilev1alpha2.LabelKey(d.Type)
		if d.Type == keys.SelinuxRecordingType {
			key = selinuxprofilev1alpha2.SelfLabel
		}
		class, perm := selinuxprofilev1alpha2.ObjectClassKey(d.Class), selinuxprofilev1alpha2.Permission(d.Perm)
		classes, ok := allow[key]
		if !ok && len(allow) >= maxAllowTypes {
			dropped++
			continue
		}
		if !ok {
			classes = selinuxprofilev1alpha2.ObjectClassPermissions{}
			allow[key] = classes
		}
		perms, ok := classes[class]
		switch {
		case slices.Contains(perms, perm):
		case !ok && len(classes) >= maxAllowClasses, len(perms) >= maxAllowPerms:
			dropped++
		default:
			classes[class] = append(perms, perm)
		}
	}
	if len(allow) == 0 {
		return nil, dropped
	}
	for _, classes := range allow {
		for _, perms := range classes {
			slices.Sort(perms)
		}
	}
	return allow, dropped
}
