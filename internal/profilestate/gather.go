package profilestate

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	"github.com/securityprofiles/operator/internal/podprofiles"
)

// Gather returns the cluster's nodes and, by node name, the states those
// nodes report for one profile: read from the namespace's node statuses
// (one object per node), counting only states recorded for this very
// profile object (its UID), never for an earlier one of the same name.
// Statuses of nodes that left the cluster are deleted, as are objects of
// the earlier one-per-profile shape: they must not hold anything back.
// Whether a node left is asked of api, the API server itself: a node that
// just joined may report before the cache has heard of it.
func Gather(ctx context.Context, c client.Client, api client.Reader, kind string, profile client.Object) ([]corev1.Node, map[string]nodestatusv1alpha1.ProfileNodeState, error) {
	nodes := &corev1.NodeList{}
	// Read-only: no deep copy of every node on every pass.
	if err := c.List(ctx, nodes, client.UnsafeDisableDeepCopy); err != nil {
		return nil, nil, fmt.Errorf("list nodes: %w", err)
	}
	exists := make(map[string]bool, len(nodes.Items))
	for i := range nodes.Items {
		exists[nodes.Items[i].Name] = true
	}
	list := &nodestatusv1alpha1.SecurityProfileNodeStatusList{}
	if err := c.List(ctx, list, client.InNamespace(profile.GetNamespace()), client.UnsafeDisableDeepCopy); err != nil {
		return nil, nil, fmt.Errorf("list node statuses in %s: %w", profile.GetNamespace(), err)
	}
	states := make(map[string]nodestatusv1alpha1.ProfileNodeState, len(nodes.Items))
	for i := range list.Items {
		s := &list.Items[i]
		if !s.PerNode() {
			if err := removeStatus(ctx, c, s); err != nil {
				return nil, nil, err
			}
			continue
		}
		if !exists[s.NodeName] {
			err := api.Get(ctx, client.ObjectKey{Name: s.NodeName}, &corev1.Node{})
			if apierrors.IsNotFound(err) {
				err = removeStatus(ctx, c, s)
			}
			if err != nil {
				return nil, nil, fmt.Errorf("node %s of status %s/%s: %w", s.NodeName, s.Namespace, s.Name, err)
			}
			continue
		}
		if e := s.Find(nodestatusv1alpha1.ProfileKind(kind), profile.GetName()); e != nil && e.UID == profile.GetUID() {
			states[s.NodeName] = *e
		}
	}
	return nodes.Items, states, nil
}

// removeStatus deletes a node status that must not count: the one read,
// not one a daemon made anew meanwhile.
func removeStatus(ctx context.Context, c client.Client, s *nodestatusv1alpha1.SecurityProfileNodeStatus) error {
	uid := s.UID
	obj := &nodestatusv1alpha1.SecurityProfileNodeStatus{}
	obj.Namespace, obj.Name = s.Namespace, s.Name
	if err := c.Delete(ctx, obj, client.Preconditions{UID: &uid}); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("delete node status %s/%s of node %s: %w", s.Namespace, s.Name, s.NodeName, err)
	}
	return nil
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
