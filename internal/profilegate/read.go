package profilegate

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	apparmorprofilev1alpha1 "github.com/securityprofiles/operator/apis/apparmorprofile/v1alpha1"
	"github.com/securityprofiles/operator/apis/keys"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	profilebindingv1alpha1 "github.com/securityprofiles/operator/apis/profilebinding/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
)

// Profile is what Read found about a referenced profile.
type Profile struct {
	// Kind is the kind of the object found (RawSelinuxProfile for an
	// SELinux reference only a raw policy answers), or the reference's
	// kind when none was.
	Kind string
	Key  types.NamespacedName
	// Found is false when the profile does not exist.
	Found bool
	// Deleting is true once the profile has a deletion timestamp.
	Deleting bool
	// Partial marks a recorded per-container profile waiting for merge,
	// which is never installed.
	Partial bool
	State   profilebasev1alpha1.ProfileState
	// Ready is a copy of the profile's Ready condition, nil without one.
	Ready *metav1.Condition
}

// Name is how messages name the profile, e.g. "SelinuxProfile ns/p".
func (p Profile) Name() string { return p.Kind + " " + p.Key.String() }

// Installed reports whether the profile is on every node, so a pod using
// it can be scheduled.
func (p Profile) Installed() bool {
	return p.Found && !p.Deleting && !p.Partial && p.State == profilebasev1alpha1.StateInstalled
}

// Read looks the referenced profile up. A missing profile is a Profile
// with Found false, not an error. Objects are read without copying them,
// so r may be a cache on a hot path.
func Read(ctx context.Context, r client.Reader, ref Ref) (Profile, error) {
	for _, c := range candidates(ref.Kind) {
		err := r.Get(ctx, ref.Key, c.obj, client.UnsafeDisableDeepCopy)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return Profile{}, fmt.Errorf("get %s %s: %w", c.kind, ref.Key, err)
		}
		p := Profile{
			Kind:     c.kind,
			Key:      ref.Key,
			Found:    true,
			Deleting: !c.obj.GetDeletionTimestamp().IsZero(),
			Partial:  c.obj.GetLabels()[keys.PartialLabel] == "true",
			State:    c.status.Status,
		}
		if ready := c.status.ReadyCondition(); ready != nil {
			p.Ready = ready.DeepCopy()
		}
		return p, nil
	}
	return Profile{Kind: string(ref.Kind), Key: ref.Key}, nil
}

// candidate is an empty object that can answer a reference, and where its
// status will be once read.
type candidate struct {
	kind   string
	obj    client.Object
	status *profilebasev1alpha1.StatusBase
}

// candidates are the objects that can answer a reference of kind, in the
// order they are looked up.
func candidates(kind profilebindingv1alpha1.ProfileKind) []candidate {
	switch kind {
	case profilebindingv1alpha1.ProfileKindSeccomp:
		sp := &seccompprofilev1beta1.SeccompProfile{}
		return []candidate{{"SeccompProfile", sp, &sp.Status.StatusBase}}
	case profilebindingv1alpha1.ProfileKindSelinux:
		sp, raw := &selinuxprofilev1alpha2.SelinuxProfile{}, &selinuxprofilev1alpha2.RawSelinuxProfile{}
		return []candidate{{"SelinuxProfile", sp, &sp.Status.StatusBase}, {"RawSelinuxProfile", raw, &raw.Status.StatusBase}}
	case profilebindingv1alpha1.ProfileKindAppArmor:
		ap := &apparmorprofilev1alpha1.AppArmorProfile{}
		return []candidate{{"AppArmorProfile", ap, &ap.Status.StatusBase}}
	}
	return nil
}
