package selinux

import (
	"context"
	"errors"
	"slices"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/daemon/nodestatus"
	"github.com/securityprofiles/operator/internal/selinuxd"
)

// Config is what the SELinux half of a node daemon needs.
type Config struct {
	// NodeName is the node the daemon runs on.
	NodeName string
	// OperatorNamespace holds the spod configuration.
	OperatorNamespace string
	// WatchNamespace, when set, is the one namespace besides
	// OperatorNamespace whose profiles this daemon handles
	// (RESTRICT_TO_NAMESPACE). The start-up sweep leaves the policy files
	// of other namespaces alone. Empty means all.
	WatchNamespace string
	// Enabled is whether the node's kernel runs SELinux (KernelEnabled).
	// Without it every profile reports SelinuxNotSupportedOnNode, nothing
	// is written and selinuxd is never asked.
	Enabled bool
	// PolicyDir is the directory shared with selinuxd;
	// selinuxd.DefaultPolicyDir when empty.
	PolicyDir string
	// Socket is selinuxd's API socket; selinuxd.DefaultSocket when empty.
	Socket string
	// Status writes the node's statuses, shared with the node's other
	// installers; Setup adds one of its own when nil.
	Status *nodestatus.Writer
}

// inheritIndex indexes SelinuxProfiles by the profiles they inherit from,
// so a profile appearing, going or being disabled re-checks its dependents.
const inheritIndex = "spec.inherit.selinuxProfile"

// Backoff while selinuxd cannot be reached: it may take a while to start
// next to the daemon, and the default cap (over 16 minutes) would leave
// profiles waiting long after it is up.
const (
	backoffBase = 250 * time.Millisecond
	backoffMax  = 30 * time.Second
)

// Setup registers the SelinuxProfile and RawSelinuxProfile node
// controllers and, on a node with SELinux, the recording policy and the
// start-up sweep of files whose profiles went while the daemon was down.
func Setup(ctx context.Context, mgr ctrl.Manager, cfg Config) error {
	if cfg.NodeName == "" || cfg.OperatorNamespace == "" {
		return errors.New("selinux: node name and operator namespace are required")
	}
	RegisterMetrics()
	dir := selinuxd.PolicyDir{Path: cfg.PolicyDir}
	if dir.Path == "" {
		dir.Path = selinuxd.DefaultPolicyDir
	}
	// Before the controllers start: no write is in flight yet.
	if err := dir.RemoveStaleTemps(); err != nil {
		return err
	}
	socket := cfg.Socket
	if socket == "" {
		socket = selinuxd.DefaultSocket
	}
	status := cfg.Status
	if status == nil {
		var err error
		if status, err = nodestatus.Add(mgr, cfg.NodeName); err != nil {
			return err
		}
	}
	base := reconciler{
		client:   mgr.GetClient(),
		events:   mgr.GetEventRecorder("spod-" + cfg.NodeName),
		status:   status,
		dir:      dir,
		selinuxd: selinuxd.NewClient(socket),
		enabled:  cfg.Enabled,
		names:    &policyLocks{},
	}
	sp, raw := base, base
	sp.kind = selinuxProfileKind(mgr.GetClient(), cfg.OperatorNamespace)
	raw.kind = rawSelinuxProfileKind()
	if err := mgr.GetFieldIndexer().IndexField(ctx, &selinuxprofilev1alpha2.SelinuxProfile{}, inheritIndex, inheritedProfiles); err != nil {
		return err
	}
	opts := controller.Options{RateLimiter: workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](backoffBase, backoffMax)}
	err := ctrl.NewControllerManagedBy(mgr).
		Named("selinuxprofile-node").
		WithOptions(opts).
		Watches(&selinuxprofilev1alpha2.SelinuxProfile{}, handler.EnqueueRequestsFromMapFunc(sp.withDependents),
			builder.WithPredicates(profileChanged())).
		Watches(&spodv1alpha1.SecurityProfilesOperatorDaemon{}, handler.EnqueueRequestsFromMapFunc(sp.allSelinuxProfiles),
			builder.WithPredicates(predicate.GenerationChangedPredicate{}, predicate.NewPredicateFuncs(func(o client.Object) bool {
				return o.GetNamespace() == cfg.OperatorNamespace && o.GetName() == spodv1alpha1.Name
			}))).
		Complete(&sp)
	if err != nil {
		return err
	}
	err = ctrl.NewControllerManagedBy(mgr).
		Named("rawselinuxprofile-node").
		WithOptions(opts).
		For(&selinuxprofilev1alpha2.RawSelinuxProfile{}, builder.WithPredicates(profileChanged())).
		Watches(&selinuxprofilev1alpha2.SelinuxProfile{}, handler.EnqueueRequestsFromMapFunc(raw.namesakeOf),
			builder.WithPredicates(createdOrDeleted)).
		Complete(&raw)
	if err != nil || !cfg.Enabled {
		return err
	}
	if err := mgr.Add(orphanSweep{client: mgr.GetClient(), dir: dir,
		watchNamespace: cfg.WatchNamespace, operatorNamespace: cfg.OperatorNamespace}); err != nil {
		return err
	}
	return mgr.Add(recordingPolicy{dir: dir, interval: recordingPolicyCheck})
}

// profileChanged passes what can change a node's copy: the spec (it bumps
// the generation, and so does a deletion held by finalizers), labels
// (partial profiles) and finalizers (the in-use finalizer going lets the
// policy be removed). Status writes by the manager change nothing here.
func profileChanged() predicate.Predicate {
	finalizers := predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		return !slices.Equal(e.ObjectOld.GetFinalizers(), e.ObjectNew.GetFinalizers())
	}}
	return predicate.Or[client.Object](predicate.GenerationChangedPredicate{}, predicate.LabelChangedPredicate{}, finalizers)
}

// createdOrDeleted passes arrivals and departures only.
var createdOrDeleted = predicate.Funcs{
	UpdateFunc:  func(event.UpdateEvent) bool { return false },
	GenericFunc: func(event.GenericEvent) bool { return false },
}

// namesakeOf enqueues the RawSelinuxProfile named like a SelinuxProfile
// that came or went: it yields the policy to the SelinuxProfile while that
// exists, and installs its own once it is gone. Only one that exists: a
// pass for a missing one would wait for selinuxd to remove the
// SelinuxProfile's module. When the cache cannot tell, it is enqueued.
func (r *reconciler) namesakeOf(ctx context.Context, o client.Object) []reconcile.Request {
	key := client.ObjectKeyFromObject(o)
	if apierrors.IsNotFound(r.client.Get(ctx, key, r.kind.newObject())) {
		return nil
	}
	return []reconcile.Request{{NamespacedName: key}}
}

// withDependents enqueues a profile and the profiles of its namespace that
// inherit from it: whether it exists and is enabled decides whether they
// are valid.
func (r *reconciler) withDependents(ctx context.Context, o client.Object) []reconcile.Request {
	out := []reconcile.Request{{NamespacedName: client.ObjectKeyFromObject(o)}}
	list := &selinuxprofilev1alpha2.SelinuxProfileList{}
	if err := r.client.List(ctx, list, client.InNamespace(o.GetNamespace()), client.MatchingFields{inheritIndex: o.GetName()}); err != nil {
		return out
	}
	for i := range list.Items {
		out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
	}
	return out
}

// allSelinuxProfiles enqueues every SelinuxProfile: spod's allowed system
// policies apply to all.
func (r *reconciler) allSelinuxProfiles(ctx context.Context, _ client.Object) []reconcile.Request {
	list := &selinuxprofilev1alpha2.SelinuxProfileList{}
	if err := r.client.List(ctx, list); err != nil {
		return nil
	}
	out := make([]reconcile.Request, 0, len(list.Items))
	for i := range list.Items {
		out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
	}
	return out
}
