package lsmprofile

import (
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	apparmorprofilev1alpha1 "github.com/securityprofiles/operator/apis/apparmorprofile/v1alpha1"
	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/internal/apparmor"
	"github.com/securityprofiles/operator/internal/eventmapper"
	"github.com/securityprofiles/operator/internal/profilestate"
)

// Field indexes, named apart from the other controllers' (a manager
// refuses a name twice).
const (
	// selinuxPodIndex files pods by "<namespace>/<name>" of the
	// SelinuxProfiles and RawSelinuxProfiles whose type they use.
	selinuxPodIndex = "spo.selinuxProfiles"
	// appArmorPodIndex files pods by "<namespace>/<name>" of the
	// AppArmorProfiles they use.
	appArmorPodIndex = "spo.appArmorProfiles"
	// inheritIndex files SelinuxProfiles by "<namespace>/<name>" of the
	// SelinuxProfiles they inherit.
	inheritIndex = "spo.selinuxInherits"
	// appArmorNameIndex files AppArmorProfiles by name.
	appArmorNameIndex = "spo.appArmorName"
)

// Config configures the controllers.
type Config struct {
	// OperatorNamespace holds the spod object whose
	// spec.selinuxOptions.allowedSystemProfiles SelinuxProfiles may
	// inherit.
	OperatorNamespace string
	// AppArmor validates AppArmor policies; its zero value uses
	// apparmor_parser's defaults.
	AppArmor apparmor.Validator
}

// SetupWithManager registers the indexes and one controller per kind.
func SetupWithManager(ctx context.Context, mgr ctrl.Manager, cfg Config) error {
	if err := registerIndexes(ctx, mgr.GetFieldIndexer()); err != nil {
		return err
	}
	c := mgr.GetClient()
	newReconciler := func(k kind) *Reconciler {
		r := &Reconciler{client: c, apiReader: mgr.GetAPIReader(), kind: k, operatorNamespace: cfg.OperatorNamespace,
			pacer: profilestate.NewPacer()}
		r.events = mgr.GetEventRecorder(r.controllerName() + "-controller")
		return r
	}
	se := newReconciler(selinuxKind(&selinuxChecker{client: c, operatorNamespace: cfg.OperatorNamespace}))
	isSpod := predicate.NewPredicateFuncs(func(o client.Object) bool {
		return o.GetNamespace() == cfg.OperatorNamespace && o.GetName() == spodv1alpha1.Name
	})
	err := se.builder(mgr).
		Watches(&spodv1alpha1.SecurityProfilesOperatorDaemon{}, handler.EnqueueRequestsFromMapFunc(se.allProfiles),
			builder.WithPredicates(isSpod, predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
				return allowedSystemProfilesChanged(e) || selinuxSwitch.changed(e)
			}})).
		Watches(&selinuxprofilev1alpha2.SelinuxProfile{}, handler.EnqueueRequestsFromMapFunc(se.inheritors),
			builder.WithPredicates(createdOrDeleted)).
		Complete(se)
	if err != nil {
		return fmt.Errorf("SelinuxProfile controller: %w", err)
	}
	raw := newReconciler(rawSelinuxKind(&rawSelinuxChecker{client: c}))
	err = raw.builder(mgr).
		Watches(&selinuxprofilev1alpha2.SelinuxProfile{}, handler.EnqueueRequestsFromMapFunc(sameKey),
			builder.WithPredicates(createdOrDeleted)).
		Watches(&spodv1alpha1.SecurityProfilesOperatorDaemon{}, handler.EnqueueRequestsFromMapFunc(raw.allProfiles),
			builder.WithPredicates(isSpod, predicate.Funcs{UpdateFunc: selinuxSwitch.changed})).
		Complete(raw)
	if err != nil {
		return fmt.Errorf("RawSelinuxProfile controller: %w", err)
	}
	aa := newReconciler(appArmorKind(&appArmorChecker{client: c, validator: cfg.AppArmor}))
	err = aa.builder(mgr).
		Watches(&apparmorprofilev1alpha1.AppArmorProfile{}, handler.EnqueueRequestsFromMapFunc(aa.sameName),
			builder.WithPredicates(createdOrDeleted)).
		Watches(&spodv1alpha1.SecurityProfilesOperatorDaemon{}, handler.EnqueueRequestsFromMapFunc(aa.allProfiles),
			builder.WithPredicates(isSpod, predicate.Funcs{UpdateFunc: appArmorSwitch.changed})).
		Complete(aa)
	if err != nil {
		return fmt.Errorf("AppArmorProfile controller: %w", err)
	}
	return nil
}

func registerIndexes(ctx context.Context, idx client.FieldIndexer) error {
	byProfile := func(of func(*corev1.Pod) []types.NamespacedName) client.IndexerFunc {
		return func(o client.Object) []string {
			var out []string
			for _, key := range of(o.(*corev1.Pod)) {
				out = append(out, key.String())
			}
			return out
		}
	}
	if err := idx.IndexField(ctx, &corev1.Pod{}, selinuxPodIndex, byProfile(selinuxProfilesOfPod)); err != nil {
		return err
	}
	if err := idx.IndexField(ctx, &corev1.Pod{}, appArmorPodIndex, byProfile(appArmorProfilesOfPod)); err != nil {
		return err
	}
	if err := idx.IndexField(ctx, &selinuxprofilev1alpha2.SelinuxProfile{}, inheritIndex, func(o client.Object) []string {
		var out []string
		for _, ref := range o.(*selinuxprofilev1alpha2.SelinuxProfile).Spec.Inherit {
			if ref.Kind == selinuxprofilev1alpha2.PolicyKindSelinuxProfile {
				out = append(out, o.GetNamespace()+"/"+ref.Name)
			}
		}
		return out
	}); err != nil {
		return err
	}
	return idx.IndexField(ctx, &apparmorprofilev1alpha1.AppArmorProfile{}, appArmorNameIndex, func(o client.Object) []string {
		return []string{o.GetName()}
	})
}

// builder watches what every kind depends on: its own objects, its node
// statuses, the pods using it, and nodes coming and going (the set of
// nodes that must install it changed; heartbeats do not matter).
func (r *Reconciler) builder(mgr ctrl.Manager) *builder.Builder {
	eventmapper.Track(r.controllerName())
	return ctrl.NewControllerManagedBy(mgr).
		Named(r.controllerName()).
		For(r.kind.newObject()).
		Watches(&nodestatusv1alpha1.SecurityProfileNodeStatus{}, profilestate.NodeStatusChanges(string(r.kind.name))).
		Watches(&corev1.Pod{}, handler.EnqueueRequestsFromMapFunc(r.profilesOfPod)).
		Watches(&corev1.Node{}, handler.EnqueueRequestsFromMapFunc(r.allProfiles), builder.WithPredicates(createdOrDeleted))
}

// controllerName names the kind's controller in logs and metrics.
func (r *Reconciler) controllerName() string { return strings.ToLower(string(r.kind.name)) }

// createdOrDeleted passes arrivals and departures only.
var createdOrDeleted = predicate.Funcs{
	UpdateFunc:  func(event.UpdateEvent) bool { return false },
	GenericFunc: func(event.GenericEvent) bool { return false },
}

func allowedSystemProfilesChanged(e event.UpdateEvent) bool {
	old, ok1 := e.ObjectOld.(*spodv1alpha1.SecurityProfilesOperatorDaemon)
	cur, ok2 := e.ObjectNew.(*spodv1alpha1.SecurityProfilesOperatorDaemon)
	return !ok1 || !ok2 || !slices.Equal(old.Spec.SelinuxOpts.AllowedSystemProfiles, cur.Spec.SelinuxOpts.AllowedSystemProfiles)
}

func (r *Reconciler) profilesOfPod(_ context.Context, o client.Object) []reconcile.Request {
	var out []reconcile.Request
	for _, key := range r.kind.podProfiles(o.(*corev1.Pod)) {
		out = append(out, reconcile.Request{NamespacedName: key})
	}
	return out
}

// allProfiles queues every profile of the kind.
func (r *Reconciler) allProfiles(ctx context.Context, event client.Object) []reconcile.Request {
	return r.requests(ctx, event)
}

// inheritors queues the SelinuxProfiles that inherit one that came or
// went: whether their parent exists decides whether they are valid.
func (r *Reconciler) inheritors(ctx context.Context, o client.Object) []reconcile.Request {
	return r.requests(ctx, o, client.MatchingFields{inheritIndex: client.ObjectKeyFromObject(o).String()})
}

// sameName queues the AppArmorProfiles of other namespaces that share a
// name with one that came or went: which one owns the name may change.
func (r *Reconciler) sameName(ctx context.Context, o client.Object) []reconcile.Request {
	out := r.requests(ctx, o, client.MatchingFields{appArmorNameIndex: o.GetName()})
	return slices.DeleteFunc(out, func(req reconcile.Request) bool { return req.Namespace == o.GetNamespace() })
}

// sameKey queues the RawSelinuxProfile named like a SelinuxProfile that
// came or went: it is refused while the SelinuxProfile exists. It needs no
// List, which could fail: a request for a RawSelinuxProfile that does not
// exist costs one cache read.
func sameKey(_ context.Context, o client.Object) []reconcile.Request {
	return []reconcile.Request{{NamespacedName: client.ObjectKeyFromObject(o)}}
}

// requests lists the profiles of the kind a watch event concerns.
func (r *Reconciler) requests(ctx context.Context, event client.Object, opts ...client.ListOption) []reconcile.Request {
	list := r.kind.newList()
	if err := r.client.List(ctx, list, opts...); err != nil {
		eventmapper.ListFailed(ctx, r.controllerName(), event, err)
		return nil
	}
	var out []reconcile.Request
	_ = meta.EachListItem(list, func(o runtime.Object) error {
		out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(o.(client.Object))})
		return nil
	})
	return out
}
