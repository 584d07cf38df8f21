package lsmprofile

import (
	"context"
	"errors"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"

	apparmorprofilev1alpha1 "github.com/securityprofiles/operator/apis/apparmorprofile/v1alpha1"
	"github.com/securityprofiles/operator/internal/apparmor"
)

// appArmorChecker validates AppArmorProfiles with apparmor_parser and
// makes sure only one profile per name reaches the nodes.
type appArmorChecker struct {
	verdictCache
	client    client.Reader
	validator apparmor.Validator
}

func (c *appArmorChecker) check(ctx context.Context, obj client.Object) (verdict, error) {
	p := obj.(*apparmorprofilev1alpha1.AppArmorProfile)
	v, err := c.remember(p, "", func() (verdict, error) {
		return appArmorVerdict(c.validator.Validate(ctx, p.Spec.Policy, p.Name)), nil
	})
	if err != nil || v.invalid() || v.unchecked != nil {
		return v, err
	}
	// Not remembered: it depends on the other namespaces' profiles, and
	// costs one cached list.
	return c.nameConflict(ctx, p)
}

// appArmorVerdict sorts a validator error into the user's mistake or a
// validator that could not run.
func appArmorVerdict(err error) verdict {
	var invalid *apparmor.InvalidError
	switch {
	case err == nil:
		return verdict{}
	case errors.As(err, &invalid):
		return verdict{reason: ReasonInvalidAppArmorProfile, detail: invalid.Reason, message: clip(err.Error())}
	}
	return verdict{unchecked: err}
}

// nameConflict refuses p when an older profile of another namespace has
// its name: AppArmor profile names are global on a node, so loading both
// would make one replace the other.
func (c *appArmorChecker) nameConflict(ctx context.Context, p *apparmorprofilev1alpha1.AppArmorProfile) (verdict, error) {
	list := &apparmorprofilev1alpha1.AppArmorProfileList{}
	if err := c.client.List(ctx, list, client.MatchingFields{appArmorNameIndex: p.Name}); err != nil {
		return verdict{}, fmt.Errorf("list AppArmorProfiles named %s: %w", p.Name, err)
	}
	owner := nameOwner(p, list.Items)
	if owner.Namespace == p.Namespace {
		return verdict{}, nil
	}
	return verdict{reason: ReasonNameConflict, message: fmt.Sprintf(
		"AppArmorProfile %s/%s, created earlier, already has the name %q on the nodes, where AppArmor profile names are global",
		owner.Namespace, owner.Name, p.Name)}, nil
}

// nameOwner returns which of p and the profiles sharing its name holds the
// name on the nodes: the oldest, then the first namespace in order, so
// every reconciler of every namespace agrees.
func nameOwner(p *apparmorprofilev1alpha1.AppArmorProfile, same []apparmorprofilev1alpha1.AppArmorProfile) *apparmorprofilev1alpha1.AppArmorProfile {
	owner := p
	for i := range same {
		o := &same[i]
		if o.CreationTimestamp.Equal(&owner.CreationTimestamp) {
			if o.Namespace < owner.Namespace {
				owner = o
			}
			continue
		}
		if o.CreationTimestamp.Before(&owner.CreationTimestamp) {
			owner = o
		}
	}
	return owner
}
