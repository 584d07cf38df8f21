package profilestate

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	"github.com/securityprofiles/operator/internal/podprofiles"
)

// StatusKey is the value IndexNodeStatuses files a profile's node statuses
// under: "<kind>/<profile name>".
func StatusKey(kind, name string) string { return kind + "/" + name }

// IndexNodeStatuses registers the node-status index Gather lists by, under
// the given name. Every controller registers its own name: a manager
// refuses to register one name twice.
func IndexNodeStatuses(ctx context.Context, idx client.FieldIndexer, name string) error {
	return idx.IndexField(ctx, &nodestatusv1alpha1.SecurityProfileNodeStatus{}, name, func(o client.Object) []string {
		s := o.(*nodestatusv1alpha1.SecurityProfileNodeStatus)
		return []string{StatusKey(string(s.ProfileKind), s.ProfileName)}
	})
}

// Gather returns the cluster's nodes and the node statuses of one profile
// (listed through index, see IndexNodeStatuses) whose node still exists.
// Statuses of nodes that left the cluster are deleted: they must not hold
// the profile's state back forever.
func Gather(ctx context.Context, c client.Client, index, kind string, profile types.NamespacedName) ([]corev1.Node, []nodestatusv1alpha1.SecurityProfileNodeStatus, error) {
	nodes := &corev1.NodeList{}
	if err := c.List(ctx, nodes); err != nil {
		return nil, nil, fmt.Errorf("list nodes: %w", err)
	}
	list := &nodestatusv1alpha1.SecurityProfileNodeStatusList{}
	if err := c.List(ctx, list, client.InNamespace(profile.Namespace),
		client.MatchingFields{index: StatusKey(kind, profile.Name)}); err != nil {
		return nil, nil, fmt.Errorf("list node statuses of %s %s: %w", kind, profile, err)
	}
	var kept []nodestatusv1alpha1.SecurityProfileNodeStatus
	for i := range list.Items {
		s := list.Items[i]
		if slices.ContainsFunc(nodes.Items, func(n corev1.Node) bool { return n.Name == s.NodeName }) {
			kept = append(kept, s)
			continue
		}
		if err := client.IgnoreNotFound(c.Delete(ctx, &s)); err != nil {
			return nil, nil, fmt.Errorf("delete status of vanished node %s: %w", s.NodeName, err)
		}
	}
	return nodes.Items, kept, nil
}

// NodeNames returns the nodes' names, in order.
func NodeNames(nodes []corev1.Node) []string {
	out := make([]string, 0, len(nodes))
	for _, n := range nodes {
		out = append(out, n.Name)
	}
	return out
}

// ActivePods lists the running pods filed under value in a pod index, as
// "<namespace>/<name>", sorted: the workloads that keep a profile in use.
func ActivePods(ctx context.Context, c client.Reader, index, value string) ([]string, error) {
	list := &corev1.PodList{}
	if err := c.List(ctx, list, client.MatchingFields{index: value}); err != nil {
		return nil, fmt.Errorf("list pods using %s: %w", value, err)
	}
	var out []string
	for i := range list.Items {
		if podprofiles.Running(&list.Items[i]) {
			out = append(out, list.Items[i].Namespace+"/"+list.Items[i].Name)
		}
	}
	slices.Sort(out)
	return out, nil
}
