package seccomp

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/internal/eventmapper"
)

// baseProfileIndex indexes SeccompProfiles by the base they name, so a
// change to a base re-installs every profile built on it.
const baseProfileIndex = "spec.baseProfileName"

// controllerName names the node's seccomp controller in logs and metrics.
const controllerName = "seccompprofile-node"

// SetupWithManager registers the reconciler and its watches.
func (r *Reconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager) error {
	RegisterMetrics()
	err := mgr.GetFieldIndexer().IndexField(ctx, &seccompprofilev1beta1.SeccompProfile{}, baseProfileIndex,
		func(o client.Object) []string {
			if base := o.(*seccompprofilev1beta1.SeccompProfile).Spec.BaseProfileName; base != "" {
				return []string{base}
			}
			return nil
		})
	if err != nil {
		return err
	}
	if err := mgr.Add(orphanSweep{r}); err != nil {
		return err
	}
	eventmapper.Track(controllerName)
	return ctrl.NewControllerManagedBy(mgr).
		Named(controllerName).
		WithOptions(controller.TypedOptions[reconcile.Request]{RateLimiter: retryLimiter()}).
		// Status and finalizer writes (by the manager) change nothing on the
		// node; a spec change bumps the generation, and so does a deletion
		// of an object held by a finalizer. Labels decide partial profiles.
		Watches(&seccompprofilev1beta1.SeccompProfile{}, handler.EnqueueRequestsFromMapFunc(r.withDependents),
			builder.WithPredicates(predicate.Or[client.Object](predicate.GenerationChangedPredicate{}, predicate.LabelChangedPredicate{}))).
		Watches(&spodv1alpha1.SecurityProfilesOperatorDaemon{}, handler.EnqueueRequestsFromMapFunc(r.allProfiles),
			builder.WithPredicates(predicate.GenerationChangedPredicate{}, predicate.NewPredicateFuncs(func(o client.Object) bool {
				return o.GetNamespace() == r.OperatorNamespace && o.GetName() == spodv1alpha1.Name
			}))).
		Complete(r)
}

// maxRetryDelay caps the wait between attempts at a profile whose write
// fails. controller-runtime's default grows to about 17 minutes, so a node
// whose disk was full for a while would install profiles that long after
// space came back.
const maxRetryDelay = time.Minute

// retryLimiter backs off failing profiles from 5 ms to maxRetryDelay.
func retryLimiter() workqueue.TypedRateLimiter[reconcile.Request] {
	return workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](5*time.Millisecond, maxRetryDelay)
}

// withDependents enqueues a profile and every profile that builds on it,
// transitively (bounded by the chain limit), since their files include
// its rules. A failed List still enqueues what was found.
func (r *Reconciler) withDependents(ctx context.Context, o client.Object) []reconcile.Request {
	out := []reconcile.Request{{NamespacedName: client.ObjectKeyFromObject(o)}}
	seen := map[string]bool{o.GetName(): true}
	frontier := []string{o.GetName()}
	for depth := 0; depth < MaxBaseDepth && len(frontier) > 0; depth++ {
		var next []string
		for _, name := range frontier {
			list := &seccompprofilev1beta1.SeccompProfileList{}
			if err := r.Client.List(ctx, list, client.InNamespace(o.GetNamespace()),
				client.MatchingFields{baseProfileIndex: name}); err != nil {
				eventmapper.ListFailed(ctx, controllerName, o, err)
				continue
			}
			for _, dep := range list.Items {
				if !seen[dep.Name] {
					seen[dep.Name] = true
					next = append(next, dep.Name)
					out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: dep.Namespace, Name: dep.Name}})
				}
			}
		}
		frontier = next
	}
	return out
}

// allProfiles enqueues every profile: spod's allowedSyscalls apply to all.
func (r *Reconciler) allProfiles(ctx context.Context, spod client.Object) []reconcile.Request {
	list := &seccompprofilev1beta1.SeccompProfileList{}
	if err := r.Client.List(ctx, list); err != nil {
		eventmapper.ListFailed(ctx, controllerName, spod, err)
		return nil
	}
	out := make([]reconcile.Request, 0, len(list.Items))
	for _, sp := range list.Items {
		out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&sp)})
	}
	return out
}
