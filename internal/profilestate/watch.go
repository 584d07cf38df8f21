package profilestate

import (
	"context"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
)

// NodeStatusChanges enqueues the profiles of kind whose state a node
// status change touched: on an update only the entries that differ, so a
// node's write for one profile does not re-evaluate every profile of the
// namespace.
func NodeStatusChanges(kind string) handler.EventHandler {
	k := nodestatusv1alpha1.ProfileKind(kind)
	type queue = workqueue.TypedRateLimitingInterface[reconcile.Request]
	all := func(o client.Object, q queue) {
		if s, ok := o.(*nodestatusv1alpha1.SecurityProfileNodeStatus); ok {
			for _, e := range s.States() {
				if e.Kind == k {
					q.Add(request(s.Namespace, e.Name))
				}
			}
		}
	}
	return handler.Funcs{
		CreateFunc: func(_ context.Context, e event.CreateEvent, q queue) { all(e.Object, q) },
		DeleteFunc: func(_ context.Context, e event.DeleteEvent, q queue) { all(e.Object, q) },
		UpdateFunc: func(_ context.Context, e event.UpdateEvent, q queue) {
			before, ok1 := e.ObjectOld.(*nodestatusv1alpha1.SecurityProfileNodeStatus)
			after, ok2 := e.ObjectNew.(*nodestatusv1alpha1.SecurityProfileNodeStatus)
			if !ok1 || !ok2 {
				return
			}
			for _, name := range changedEntries(k, before, after) {
				q.Add(request(after.Namespace, name))
			}
		},
	}
}

// changedEntries names the profiles of kind whose entry differs between
// two versions of a node status: added, removed or changed.
func changedEntries(kind nodestatusv1alpha1.ProfileKind, before, after *nodestatusv1alpha1.SecurityProfileNodeStatus) []string {
	old := map[string]nodestatusv1alpha1.ProfileNodeState{}
	for _, e := range before.States() {
		if e.Kind == kind {
			old[e.Name] = e
		}
	}
	var out []string
	for _, e := range after.States() {
		if e.Kind != kind {
			continue
		}
		if prev, ok := old[e.Name]; !ok || prev != e {
			out = append(out, e.Name)
		}
		delete(old, e.Name)
	}
	for name := range old {
		out = append(out, name)
	}
	return out
}

func request(namespace, name string) reconcile.Request {
	return reconcile.Request{NamespacedName: types.NamespacedName{Namespace: namespace, Name: name}}
}
