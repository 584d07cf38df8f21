package nodestatus

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
)

// Sweep runs once when the daemon starts, after its caches. It deletes
// this node's status objects of the earlier shape (one per profile and
// node, see SecurityProfileNodeStatus.PerNode), and forgets the states of
// profiles deleted while the daemon was down: no event brings those back,
// and the object would list them for good.
type Sweep struct {
	Writer *Writer
	// Profiles reads profiles (the daemon's cache).
	Profiles client.Reader
	// Kinds are the profile kinds this daemon installs, each with a new
	// empty object of the kind. States of other kinds are left alone: no
	// one here can judge them.
	Kinds map[nodestatusv1alpha1.ProfileKind]func() client.Object
	// Namespaces are the namespaces this daemon handles; nil means all.
	Namespaces []string
}

// NeedLeaderElection is false: every node's daemon sweeps its own statuses.
func (Sweep) NeedLeaderElection() bool { return false }

// Start sweeps; errors are logged, not returned: a failed sweep must not
// stop the daemon, and the next start sweeps again.
func (s Sweep) Start(ctx context.Context) error {
	log := ctrl.LoggerFrom(ctx).WithName("nodestatus")
	namespaces := s.Namespaces
	if namespaces == nil {
		namespaces = []string{""} // every namespace, in one list
	}
	for _, ns := range namespaces {
		if err := s.sweep(ctx, ns); err != nil {
			log.Error(err, "Cannot sweep the node statuses", "namespace", ns)
		}
	}
	return nil
}

// sweep sweeps the node's objects in namespace ("" for all). One object
// or profile that cannot be handled does not keep the rest from being
// swept; the errors are returned together.
func (s Sweep) sweep(ctx context.Context, namespace string) error {
	w := s.Writer
	list := &nodestatusv1alpha1.SecurityProfileNodeStatusList{}
	if err := w.reader.List(ctx, list, client.InNamespace(namespace),
		client.MatchingLabels{keys.NodeNameLabel: LabelValue(w.nodeName)}); err != nil {
		return fmt.Errorf("list node statuses: %w", err)
	}
	var errs []error
	for i := range list.Items {
		obj := &list.Items[i]
		if obj.NodeName != w.nodeName {
			continue // a label value cut to a hash matched another node
		}
		if !obj.PerNode() {
			err := w.client.Delete(ctx, obj, client.Preconditions{UID: &obj.UID})
			if client.IgnoreNotFound(err) != nil {
				errs = append(errs, fmt.Errorf("delete node status %s/%s of the earlier shape: %w", obj.Namespace, obj.Name, err))
			}
			continue
		}
		if _, err := w.load(ctx, obj.Namespace); err != nil {
			errs = append(errs, err)
			continue
		}
		for _, e := range obj.States() {
			gone, err := s.gone(ctx, obj.Namespace, e)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if gone {
				w.forget(obj.Namespace, e.Kind, e.Name, e.UID)
			}
		}
	}
	return errors.Join(errs...)
}

// gone reports whether the profile a state was recorded for no longer
// exists: not found, or found with another UID (deleted and made anew).
func (s Sweep) gone(ctx context.Context, namespace string, e nodestatusv1alpha1.ProfileNodeState) (bool, error) {
	newObject, ok := s.Kinds[e.Kind]
	if !ok {
		return false, nil
	}
	obj := newObject()
	err := s.Profiles.Get(ctx, types.NamespacedName{Namespace: namespace, Name: e.Name}, obj)
	if apierrors.IsNotFound(err) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("read %s %s/%s: %w", e.Kind, namespace, e.Name, err)
	}
	return obj.GetUID() != e.UID, nil
}
