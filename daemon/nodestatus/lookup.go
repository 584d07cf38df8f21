package nodestatus

import (
	"context"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
)

// Lookup reads what node reports for a profile: nil when the node has no
// status in the namespace or it lists no such profile.
func Lookup(ctx context.Context, c client.Reader, namespace, node string, kind nodestatusv1alpha1.ProfileKind, profile string) (*nodestatusv1alpha1.ProfileNodeState, error) {
	obj := &nodestatusv1alpha1.SecurityProfileNodeStatus{}
	err := c.Get(ctx, types.NamespacedName{Namespace: namespace, Name: node}, obj)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return obj.Find(kind, profile), nil
}
