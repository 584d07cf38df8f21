package selinux

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
	"github.com/securityprofiles/operator/internal/selinuxd"
)

// orphanSweep removes, once at start, the policy files of profiles deleted
// while the daemon was not running: no reconcile pass ever sees an object
// that is already gone. selinuxd then removes their modules.
//
// A profile created between the lookup and the removal loses its file for
// a moment only: its pass keeps polling selinuxd until the policy is
// installed and rewrites a missing file on every poll.
type orphanSweep struct {
	client client.Reader
	dir    selinuxd.PolicyDir
	// watchNamespace and operatorNamespace, when the first is set, are
	// the only namespaces whose policies are this daemon's to judge (see
	// handles).
	watchNamespace, operatorNamespace string
}

// NeedLeaderElection is false: every node sweeps its own directory.
func (s orphanSweep) NeedLeaderElection() bool { return false }

// Start sweeps the directory. A file whose owner cannot be looked up is
// kept: removing a policy in use would break its pods.
func (s orphanSweep) Start(ctx context.Context) error {
	log := ctrl.LoggerFrom(ctx)
	policies, err := s.dir.List()
	if err != nil {
		return fmt.Errorf("list policy files: %w", err)
	}
	for _, policy := range policies {
		// Profile policies are "<name>_<namespace>", neither part holding
		// an "_"; other files (the recording policy) are not ours to sweep.
		name, namespace, ok := strings.Cut(policy, "_")
		if !ok || strings.Contains(namespace, "_") || !s.handles(namespace) {
			continue
		}
		owned, err := s.owned(ctx, types.NamespacedName{Namespace: namespace, Name: name})
		if err != nil {
			log.Error(err, "Cannot tell whether a policy file has a profile; keeping it", "policy", policy)
			continue
		}
		if owned {
			continue
		}
		if _, err := s.dir.Remove(policy); err != nil {
			countError(ReasonCannotRemove)
			log.Error(err, "Cannot remove the policy file of a deleted profile", "policy", policy)
			continue
		}
		countOperation(operationDelete)
		log.Info("Removed the policy file of a profile deleted while the daemon was down", "policy", policy)
	}
	return nil
}

// handles reports whether the policies of namespace are this daemon's to
// judge. A restricted daemon sees no profile of other namespaces; their
// policies belong to whoever watches there (the policy directory is
// node-wide, shared by every install of the operator).
func (s orphanSweep) handles(namespace string) bool {
	return s.watchNamespace == "" || namespace == s.watchNamespace || namespace == s.operatorNamespace
}

// owned reports whether a profile of either kind has the policy's name.
func (s orphanSweep) owned(ctx context.Context, key types.NamespacedName) (bool, error) {
	for _, obj := range []client.Object{&selinuxprofilev1alpha2.SelinuxProfile{}, &selinuxprofilev1alpha2.RawSelinuxProfile{}} {
		err := s.client.Get(ctx, key, obj)
		if err == nil {
			return true, nil
		}
		if !apierrors.IsNotFound(err) {
			return false, err
		}
	}
	return false, nil
}
