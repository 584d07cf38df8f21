package binding

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"

	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	profilebindingv1alpha1 "github.com/securityprofiles/operator/apis/profilebinding/v1alpha1"
	"github.com/securityprofiles/operator/internal/podprofiles"
	"github.com/securityprofiles/operator/internal/profilegate"
)

// Event reasons on a ProfileBinding that matched a pod but could not be
// applied to it; the pod was admitted without the profile.
const (
	ReasonProfileNotFound     = "ProfileNotFound"
	ReasonProfileNotInstalled = "ProfileNotInstalled"
	ReasonKindUnsupported     = "ProfileKindUnsupported"
)

// bindable reports whether a binding can apply a profile of kind.
func bindable(kind profilebindingv1alpha1.ProfileKind) bool {
	switch kind {
	case profilebindingv1alpha1.ProfileKindSeccomp, profilebindingv1alpha1.ProfileKindSelinux, profilebindingv1alpha1.ProfileKindAppArmor:
		return true
	}
	return false
}

// unsupportedKindMessage explains why a kind cannot be bound.
func unsupportedKindMessage(kind profilebindingv1alpha1.ProfileKind) string {
	return fmt.Sprintf("profileRef.kind %q cannot be bound: only SeccompProfile, SelinuxProfile and AppArmorProfile can "+
		"(a RawSelinuxProfile has no usage type to put in seLinuxOptions; set the type in the pod instead)", kind)
}

// resolve looks up a binding's profile in the cache. A missing or not yet
// installed profile is a Problem, not an error. With gates the binding is
// still applied, since what a container gets is known before the profile
// is installed (its seccomp path, SELinux usage type or AppArmor name),
// and marked Held: the pod waits at the scheduling gate until the profile
// is Installed. Without gates the pod is admitted without it. Only a
// failing cache read is an error.
// selector is the binding's parsed podSelector, nil for none.
func resolve(ctx context.Context, r client.Reader, b *profilebindingv1alpha1.ProfileBinding, selector labels.Selector, gates bool) (Binding, error) {
	out := Binding{Name: b.Name, Image: b.Spec.Image, Selector: selector, Kind: b.Spec.ProfileRef.Kind, Profile: b.Spec.ProfileRef.Name, Mode: b.Spec.Mode}
	if out.Mode == "" {
		out.Mode = profilebindingv1alpha1.ModeEnforce
	}
	if !bindable(out.Kind) {
		out.Reason, out.Problem = ReasonKindUnsupported, unsupportedKindMessage(out.Kind)
		return out, nil
	}
	if out.Mode == profilebindingv1alpha1.ModeAudit && out.Kind != profilebindingv1alpha1.ProfileKindSeccomp {
		// The API refuses this; guard objects stored before that rule.
		out.Reason, out.Problem = ReasonKindUnsupported, "mode Audit applies only to SeccompProfile bindings"
		return out, nil
	}
	ref := profilegate.Ref{Kind: out.Kind, Key: client.ObjectKey{Namespace: b.Namespace, Name: out.Profile}}
	p, err := profilegate.Read(ctx, r, ref)
	if err != nil {
		return out, err
	}
	switch {
	case !p.Found:
		out.Reason, out.Problem = ReasonProfileNotFound, fmt.Sprintf("%s %s does not exist", out.Kind, ref.Key)
	case p.Kind != string(out.Kind):
		// A RawSelinuxProfile of that name would give the same type:
		// binding it through a SelinuxProfile that does not exist is not
		// held, or the pod would end up bound to the raw policy.
		out.Reason, out.Problem = ReasonProfileNotFound, fmt.Sprintf("%s %s does not exist (a %s does, which cannot be bound)", out.Kind, ref.Key, p.Kind)
		return out, nil
	case !p.Installed():
		state := p.State
		switch {
		case p.Deleting:
			state = profilebasev1alpha1.StateTerminating
		case p.Partial:
			state = profilebasev1alpha1.StatePartial
		case state == "":
			state = profilebasev1alpha1.StatePending
		}
		out.Reason, out.Problem = ReasonProfileNotInstalled, fmt.Sprintf("%s %s is %s, not Installed yet", out.Kind, ref.Key, state)
	}
	if out.Problem == "" || gates {
		out.Held = out.Problem != ""
		out.Value = value(ref, out.Mode)
	}
	return out, nil
}

// value is what a container bound to the profile gets. Each is derived
// from the profile's namespace and name, exactly as the profile's status
// reports it once installed, so it is known before.
func value(ref profilegate.Ref, mode profilebindingv1alpha1.BindingMode) string {
	switch ref.Kind {
	case profilebindingv1alpha1.ProfileKindSelinux:
		return podprofiles.SelinuxUsage(ref.Key.Namespace, ref.Key.Name)
	case profilebindingv1alpha1.ProfileKindAppArmor:
		// Nodes load an AppArmorProfile under its metadata.name.
		return ref.Key.Name
	case profilebindingv1alpha1.ProfileKindSeccomp:
		if mode == profilebindingv1alpha1.ModeAudit {
			return podprofiles.AuditLocalhostPath(ref.Key.Namespace, ref.Key.Name)
		}
	}
	return podprofiles.LocalhostPath(ref.Key.Namespace, ref.Key.Name)
}
