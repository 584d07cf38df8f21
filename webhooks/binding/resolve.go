package binding

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	profilebindingv1alpha1 "github.com/securityprofiles/operator/apis/profilebinding/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
	"github.com/securityprofiles/operator/internal/podprofiles"
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
// installed profile is a Problem, not an error. With gates, a seccomp
// binding is still applied (its path is known before the profile is
// installed) and marked Held: the pod waits at the scheduling gate until
// the profile is Installed. Without gates the pod is admitted without
// it. Only a failing cache read is an error.
// selector is the binding's parsed podSelector, nil for none.
func resolve(ctx context.Context, r client.Reader, b *profilebindingv1alpha1.ProfileBinding, selector labels.Selector, gates bool) (Binding, error) {
	out := Binding{Name: b.Name, Image: b.Spec.Image, Selector: selector, Kind: b.Spec.ProfileRef.Kind, Mode: b.Spec.Mode}
	if out.Mode == "" {
		out.Mode = profilebindingv1alpha1.ModeEnforce
	}
	key := client.ObjectKey{Namespace: b.Namespace, Name: b.Spec.ProfileRef.Name}
	if out.Kind != profilebindingv1alpha1.ProfileKindSeccomp && out.Kind != profilebindingv1alpha1.ProfileKindSelinux {
		out.Reason, out.Problem = ReasonKindUnsupported, unsupportedKindMessage(out.Kind)
		return out, nil
	}
	if out.Mode == profilebindingv1alpha1.ModeAudit && out.Kind != profilebindingv1alpha1.ProfileKindSeccomp {
		// The API refuses this; guard objects stored before that rule.
		out.Reason, out.Problem = ReasonKindUnsupported, "mode Audit applies only to SeccompProfile bindings"
		return out, nil
	}
	found, state, value, err := lookup(ctx, r, out.Kind, key)
	if err != nil {
		return out, err
	}
	switch {
	case !found:
		out.Reason, out.Problem = ReasonProfileNotFound, fmt.Sprintf("%s %s does not exist", out.Kind, key)
	case state != profilebasev1alpha1.StateInstalled || value == "":
		if state == "" {
			state = profilebasev1alpha1.StatePending
		}
		out.Reason, out.Problem = ReasonProfileNotInstalled, fmt.Sprintf("%s %s is %s, not Installed yet", out.Kind, key, state)
	default:
		out.Value = value
	}
	if out.Kind == profilebindingv1alpha1.ProfileKindSeccomp {
		if out.Problem != "" && gates {
			out.Held = true
			out.Value = podprofiles.LocalhostPath(key.Namespace, key.Name)
		}
		if out.Value != "" && out.Mode == profilebindingv1alpha1.ModeAudit {
			out.Value = podprofiles.AuditLocalhostPath(key.Namespace, key.Name)
		}
	}
	return out, nil
}

// lookup reads a bindable profile's state and the value a container gets
// from it: a SeccompProfile's localhostProfile or a SelinuxProfile's usage.
func lookup(ctx context.Context, r client.Reader, kind profilebindingv1alpha1.ProfileKind, key client.ObjectKey) (found bool, state profilebasev1alpha1.ProfileState, value string, err error) {
	if kind == profilebindingv1alpha1.ProfileKindSeccomp {
		sp := &seccompprofilev1beta1.SeccompProfile{}
		err = r.Get(ctx, key, sp, client.UnsafeDisableDeepCopy)
		state, value = sp.Status.Status, sp.Status.LocalhostProfile
	} else {
		sp := &selinuxprofilev1alpha2.SelinuxProfile{}
		err = r.Get(ctx, key, sp, client.UnsafeDisableDeepCopy)
		state, value = sp.Status.Status, sp.Status.Usage
	}
	if apierrors.IsNotFound(err) {
		return false, "", "", nil
	}
	if err != nil {
		return false, "", "", fmt.Errorf("get %s %s: %w", kind, key, err)
	}
	return true, state, value, nil
}
