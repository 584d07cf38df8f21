package nodestatus

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
)

// sweepKey names one profile whose statuses on this node were swept.
type sweepKey struct {
	namespace string
	kind      nodestatusv1alpha1.ProfileKind
	profile   string
}

// removeStale deletes this node's statuses of a profile that are not
// named Name(kind, profile, node): ones an earlier version wrote under its
// naming scheme, which the manager would otherwise count next to the
// current one until the profile is deleted. They are found by the
// profile-id and node-name labels every version set, and the object's own
// fields decide, so a label value shortened to a hash never takes another
// profile's status along.
//
// Only an earlier version writes such objects, and none runs on this node
// beside this process, so a profile needs sweeping once per process: at
// daemon start every profile is reconciled, which sweeps it.
func (w *Writer) removeStale(ctx context.Context, namespace string, kind nodestatusv1alpha1.ProfileKind, profile string) error {
	key := sweepKey{namespace, kind, profile}
	if _, done := w.swept.Load(key); done {
		return nil
	}
	list := &nodestatusv1alpha1.SecurityProfileNodeStatusList{}
	if err := w.Client.List(ctx, list, client.InNamespace(namespace), client.MatchingLabels{
		keys.ProfileIDLabel: ProfileID(kind, profile),
		keys.NodeNameLabel:  LabelValue(w.NodeName),
	}); err != nil {
		return fmt.Errorf("list node statuses of %s %s/%s: %w", kind, namespace, profile, err)
	}
	current := Name(kind, profile, w.NodeName)
	for i := range list.Items {
		s := &list.Items[i]
		if s.Name == current || s.NodeName != w.NodeName || s.ProfileKind != kind || s.ProfileName != profile {
			continue
		}
		if err := w.Client.Delete(ctx, s, client.Preconditions{UID: &s.UID}); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("delete node status %s/%s left by an earlier version: %w", namespace, s.Name, err)
		}
	}
	w.swept.Store(key, struct{}{})
	return nil
}
