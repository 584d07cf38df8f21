package selinux

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/internal/selinuxcil"
)

// Kinds as node statuses name them.
const (
	kindSelinuxProfile    = "SelinuxProfile"
	kindRawSelinuxProfile = "RawSelinuxProfile"
)

// selinuxProfileKind renders SelinuxProfiles against spod's allowed system
// policies and the other profiles of their namespace.
func selinuxProfileKind(c client.Client, operatorNamespace string) profileKind {
	return profileKind{
		name:          kindSelinuxProfile,
		invalidReason: ReasonInvalid,
		newObject:     func() client.Object { return &selinuxprofilev1alpha2.SelinuxProfile{} },
		namesake:      func() client.Object { return &selinuxprofilev1alpha2.RawSelinuxProfile{} },
		ownsName:      true,
		disabled:      func(o client.Object) bool { return o.(*selinuxprofilev1alpha2.SelinuxProfile).Spec.Disabled },
		policy: func(ctx context.Context, o client.Object) ([]byte, error) {
			return translate(ctx, c, operatorNamespace, o.(*selinuxprofilev1alpha2.SelinuxProfile))
		},
	}
}

// rawSelinuxProfileKind checks RawSelinuxProfiles and passes their CIL on.
func rawSelinuxProfileKind() profileKind {
	return profileKind{
		name:          kindRawSelinuxProfile,
		invalidReason: ReasonInvalidRaw,
		newObject:     func() client.Object { return &selinuxprofilev1alpha2.RawSelinuxProfile{} },
		namesake:      func() client.Object { return &selinuxprofilev1alpha2.SelinuxProfile{} },
		disabled:      func(o client.Object) bool { return o.(*selinuxprofilev1alpha2.RawSelinuxProfile).Spec.Disabled },
		policy: func(_ context.Context, o client.Object) ([]byte, error) {
			return selinuxcil.Raw(o.(*selinuxprofilev1alpha2.RawSelinuxProfile))
		},
	}
}

// translate renders sp as CIL. Without a spod object selinuxcil applies
// the API's default allowed system policy list ([container]), as the
// manager does; spod's creation enqueues every profile again.
func translate(ctx context.Context, c client.Client, operatorNamespace string, sp *selinuxprofilev1alpha2.SelinuxProfile) ([]byte, error) {
	spod := &spodv1alpha1.SecurityProfilesOperatorDaemon{}
	err := c.Get(ctx, types.NamespacedName{Namespace: operatorNamespace, Name: spodv1alpha1.Name}, spod)
	if client.IgnoreNotFound(err) != nil {
		return nil, fmt.Errorf("read spod configuration: %w", err)
	}
	exists := func(name string) (bool, error) {
		base := &selinuxprofilev1alpha2.SelinuxProfile{}
		err := c.Get(ctx, types.NamespacedName{Namespace: sp.Namespace, Name: name}, base)
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("read inherited profile %s: %w", name, err)
		}
		// A disabled or partial profile is on no node, so selinuxd could
		// not resolve a policy inheriting from it.
		return !base.Spec.Disabled && base.Labels[keys.PartialLabel] != "true", nil
	}
	return selinuxcil.Translate(sp, selinuxcil.Options{
		AllowedSystemProfiles: spod.Spec.SelinuxOpts.AllowedSystemProfiles,
		ProfileExists:         exists,
	})
}

// inheritedProfiles are the SelinuxProfiles sp inherits from, for the
// index that finds a profile's dependents.
func inheritedProfiles(o client.Object) []string {
	var out []string
	for _, ref := range o.(*selinuxprofilev1alpha2.SelinuxProfile).Spec.Inherit {
		if ref.Kind == selinuxprofilev1alpha2.PolicyKindSelinuxProfile {
			out = append(out, ref.Name)
		}
	}
	return out
}
