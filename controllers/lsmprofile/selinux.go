package lsmprofile

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/internal/selinuxcil"
)

// defaultAllowedSystemProfiles is what the API server defaults spod's
// spec.selinuxOptions.allowedSystemProfiles to; it applies while there is
// no spod object yet.
var defaultAllowedSystemProfiles = []string{"container"}

// selinuxChecker validates SelinuxProfiles by translating them to CIL
// with the system policies spod allows and the profiles of the namespace.
type selinuxChecker struct {
	verdictCache
	client            client.Reader
	operatorNamespace string
}

func (c *selinuxChecker) check(ctx context.Context, obj client.Object) (verdict, error) {
	p := obj.(*selinuxprofilev1alpha2.SelinuxProfile)
	allowed, err := c.allowedSystemProfiles(ctx)
	if err != nil {
		return verdict{}, err
	}
	exists := func(name string) (bool, error) { return selinuxProfileExists(ctx, c.client, p.Namespace, name) }
	// Which inherited profiles exist is an input of the verdict like
	// spod's list: a profile whose parent goes becomes invalid.
	var parents []string
	for _, ref := range p.Spec.Inherit {
		if ref.Kind != selinuxprofilev1alpha2.PolicyKindSelinuxProfile {
			continue
		}
		ok, err := exists(ref.Name)
		if err != nil {
			return verdict{}, err
		}
		if ok {
			parents = append(parents, ref.Name)
		}
	}
	inputs := "allowed=" + strings.Join(allowed, ",") + ";parents=" + strings.Join(parents, ",")
	return c.remember(p, inputs, func() (verdict, error) {
		_, err := selinuxcil.Translate(p, selinuxcil.Options{AllowedSystemProfiles: allowed, ProfileExists: exists})
		return selinuxVerdict(err, ReasonInvalidSelinuxProfile)
	})
}

// allowedSystemProfiles reads spod's spec.selinuxOptions.allowedSystemProfiles,
// sorted.
func (c *selinuxChecker) allowedSystemProfiles(ctx context.Context) ([]string, error) {
	spod := &spodv1alpha1.SecurityProfilesOperatorDaemon{}
	err := c.client.Get(ctx, types.NamespacedName{Namespace: c.operatorNamespace, Name: spodv1alpha1.Name}, spod)
	switch {
	case apierrors.IsNotFound(err):
		return defaultAllowedSystemProfiles, nil
	case err != nil:
		return nil, fmt.Errorf("read spod: %w", err)
	}
	allowed := slices.Clone(spod.Spec.SelinuxOpts.AllowedSystemProfiles)
	slices.Sort(allowed)
	return allowed, nil
}

// selinuxProfileExists reports whether the SelinuxProfile namespace/name
// exists, being deleted or not.
func selinuxProfileExists(ctx context.Context, r client.Reader, namespace, name string) (bool, error) {
	err := r.Get(ctx, types.NamespacedName{Namespace: namespace, Name: name}, &selinuxprofilev1alpha2.SelinuxProfile{})
	switch {
	case apierrors.IsNotFound(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("read SelinuxProfile %s/%s: %w", namespace, name, err)
	}
	return true, nil
}

// rawSelinuxChecker validates RawSelinuxProfiles' CIL and refuses one
// whose name a SelinuxProfile of its namespace has: both kinds install
// the policy <name>_<namespace>, so on every node the two would overwrite
// each other's file and deleting one would remove the other's policy. The
// SelinuxProfile keeps the name, whichever came first, so the outcome
// does not depend on the order of creation.
type rawSelinuxChecker struct {
	verdictCache
	client client.Reader
}

func (c *rawSelinuxChecker) check(ctx context.Context, obj client.Object) (verdict, error) {
	p := obj.(*selinuxprofilev1alpha2.RawSelinuxProfile)
	// A SelinuxProfile being deleted still has the name: the nodes keep
	// its policy until its pods are gone.
	shadowed, err := selinuxProfileExists(ctx, c.client, p.Namespace, p.Name)
	if err != nil {
		return verdict{}, err
	}
	// Whether the SelinuxProfile exists is an input of the verdict: the
	// raw profile becomes valid when it goes, in the same generation.
	return c.remember(p, "shadowed="+strconv.FormatBool(shadowed), func() (verdict, error) {
		if _, err := selinuxcil.Raw(p); err != nil {
			return selinuxVerdict(err, ReasonInvalidRawSelinuxProfile)
		}
		if shadowed {
			return verdict{reason: ReasonNameConflict, message: fmt.Sprintf(
				"SelinuxProfile %s/%s has the same name and owns the policy %s on the nodes; "+
					"this RawSelinuxProfile is not installed while it exists",
				p.Namespace, p.Name, selinuxcil.PolicyName(p.Name, p.Namespace))}, nil
		}
		return verdict{}, nil
	})
}

// selinuxVerdict sorts a translator error into the user's mistake (an
// invalid verdict with reason) or a failure to find out (err).
func selinuxVerdict(err error, reason string) (verdict, error) {
	var invalid *selinuxcil.InvalidError
	switch {
	case err == nil:
		return verdict{}, nil
	case errors.As(err, &invalid):
		return verdict{reason: reason, message: clip(err.Error())}, nil
	}
	return verdict{}, err
}
