package binding

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	profilebindingv1alpha1 "github.com/securityprofiles/operator/apis/profilebinding/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
)

// Event reasons on a ProfileBinding that matched a pod but could not be
// applied to it; the pod was admitted without the profile.
const (
	ReasonProfileNotFound     = "ProfileNotFound"
	ReasonProfileNotInstalled = "ProfileNotInstalled"
	ReasonKindUnsupported     = "ProfileKindUnsupported"
)

// unsupportedKindMessage explains why a kind cannot be bound.
func unsupportedKindMessage(kind profilebindingv1alpha1.ProfileKind) string {
	return fmt.Sprintf("profileRef.kind %q cannot be bound: only SeccompProfile and SelinuxProfile can "+
		"(a RawSelinuxProfile has no usage type to put in seLinuxOptions; set the type in the pod instead)", kind)
}

// resolve looks up a binding's profile in the cache. A missing or not yet
// installed profile is a Problem, not an error: the pod is admitted
// without it. Only a failing cache read is an error.
func resolve(ctx context.Context, r client.Reader, b *profilebindingv1alpha1.ProfileBinding) (Binding, error) {
	out := Binding{Name: b.Name, Image: b.Spec.Image, Kind: b.Spec.ProfileRef.Kind}
	key := client.ObjectKey{Namespace: b.Namespace, Name: b.Spec.ProfileRef.Name}
	var (
		state profilebasev1alpha1.ProfileState
		value string
		obj   client.Object
	)
	switch b.Spec.ProfileRef.Kind {
	case profilebindingv1alpha1.ProfileKindSeccomp:
		sp := &seccompprofilev1beta1.SeccompProfile{}
		obj = sp
		if err := r.Get(ctx, key, sp); err == nil {
			state, value = sp.Status.Status, sp.Status.LocalhostProfile
		} else if !apierrors.IsNotFound(err) {
			return out, fmt.Errorf("get SeccompProfile %s: %w", key, err)
		}
	case profilebindingv1alpha1.ProfileKindSelinux:
		sp := &selinuxprofilev1alpha2.SelinuxProfile{}
		obj = sp
		if err := r.Get(ctx, key, sp); err == nil {
			state, value = sp.Status.Status, sp.Status.Usage
		} else if !apierrors.IsNotFound(err) {
			return out, fmt.Errorf("get SelinuxProfile %s: %w", key, err)
		}
	default:
		out.Reason, out.Problem = ReasonKindUnsupported, unsupportedKindMessage(b.Spec.ProfileRef.Kind)
		return out, nil
	}
	switch {
	case obj.GetUID() == "":
		out.Reason, out.Problem = ReasonProfileNotFound, fmt.Sprintf("%s %s does not exist", b.Spec.ProfileRef.Kind, key)
	case state != profilebasev1alpha1.StateInstalled || value == "":
		if state == "" {
			state = profilebasev1alpha1.StatePending
		}
		out.Reason, out.Problem = ReasonProfileNotInstalled, fmt.Sprintf("%s %s is %s, not Installed yet", b.Spec.ProfileRef.Kind, key, state)
	default:
		out.Value = value
	}
	return out, nil
}
