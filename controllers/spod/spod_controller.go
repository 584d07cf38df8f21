package spod

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
)

// The finalizers rule exists because the owner references the controller
// sets block owner deletion, which the API server only allows to whoever
// may update the owner's finalizers.
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=securityprofilesoperatordaemons,verbs=get;list;watch;create
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=securityprofilesoperatordaemons/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=securityprofilesoperatordaemons/finalizers,verbs=update
// Everything spod deploys lives in the operator namespace: a Role there,
// not a ClusterRole, so the manager can change no other namespace's
// workloads, Services or certificates.
// +kubebuilder:rbac:groups=apps,resources=daemonsets;deployments,verbs=get;list;watch;create;patch,namespace=security-profiles-operator
// +kubebuilder:rbac:groups=apps,resources=daemonsets,verbs=delete,namespace=security-profiles-operator
// +kubebuilder:rbac:groups="",resources=services,verbs=get;list;watch;create;patch,namespace=security-profiles-operator
// The webhook configuration by name only (the cache watches it with a
// metadata.name field selector); RBAC cannot limit create to a name.
// +kubebuilder:rbac:groups=admissionregistration.k8s.io,resources=mutatingwebhookconfigurations,verbs=create
// +kubebuilder:rbac:groups=admissionregistration.k8s.io,resources=mutatingwebhookconfigurations,resourceNames=spo-mutating-webhook-configuration,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=apiextensions.k8s.io,resources=customresourcedefinitions,verbs=get;list;watch
// +kubebuilder:rbac:groups=rbac.authorization.k8s.io,resources=clusterroles,verbs=get;list;watch
// +kubebuilder:rbac:groups=monitoring.coreos.com,resources=servicemonitors,verbs=get;create;patch,namespace=security-profiles-operator
// +kubebuilder:rbac:groups=cert-manager.io,resources=issuers;certificates,verbs=get;create;patch,namespace=security-profiles-operator

// FieldOwner is the field manager of every object the controller applies.
const FieldOwner = "spo-manager"

// Reconciler deploys what spod describes and reports its rollout.
type Reconciler struct {
	Client client.Client
	Events events.EventRecorder
	Config Config
	// Now is the clock certificates are issued and checked by; nil means
	// time.Now.
	Now func() time.Time

	// staticNoted is set once this process reported that spod leaves the
	// webhook configuration to the installer, and cleared when it no
	// longer does, so the report comes once per change.
	staticNoted atomic.Bool
}

// Reconcile creates the default spod if it is missing, applies the
// objects its spec describes and writes its status.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	spod := &spodv1alpha1.SecurityProfilesOperatorDaemon{}
	if err := r.Client.Get(ctx, req.NamespacedName, spod); err != nil {
		if apierrors.IsNotFound(err) {
			return ctrl.Result{}, r.EnsureDefault(ctx)
		}
		return ctrl.Result{}, err
	}
	certManager, err := r.crdInstalled(ctx, CertificateCRD)
	if err != nil {
		return ctrl.Result{}, err
	}
	// The certificates come first: the webhook pods cannot start without
	// their Secret.
	certs, certErr := r.ensureServingCerts(ctx, spod, certManager)
	if apierrors.IsConflict(certErr) || apierrors.IsAlreadyExists(certErr) {
		// This pass read a Secret older than the stored one (a stale
		// cache, or another writer): its decision is void, and the
		// Secret's change queues a pass that sees it.
		ctrl.LoggerFrom(ctx).V(1).Info("Serving certificate Secret changed meanwhile", "error", certErr.Error())
		return ctrl.Result{RequeueAfter: time.Second}, nil
	}
	if spod.Status.State == "" {
		d := Decide("", nil, nil, nil)
		d.Certificates = certs.status
		return ctrl.Result{}, errors.Join(certErr, r.writeStatus(ctx, spod, d))
	}
	var daemons []*appsv1.DaemonSet
	var selinuxd *appsv1.DaemonSet
	deployErr := certErr
	if certErr == nil {
		daemons, selinuxd, deployErr = r.deploy(ctx, spod, certs)
	}
	d := Decide(spod.Status.State, daemons, selinuxd, deployErr)
	d.Certificates = certs.status
	if err := r.writeStatus(ctx, spod, d); err != nil {
		return ctrl.Result{}, errors.Join(deployErr, err)
	}
	if apierrors.IsInvalid(deployErr) {
		// The API server refused what spod's spec produced (e.g. a
		// malformed toleration): retrying cannot help until spod changes.
		return ctrl.Result{}, reconcile.TerminalError(deployErr)
	}
	return ctrl.Result{RequeueAfter: renewIn(certs.renewAt, r.now())}, deployErr
}

// renewIn is how long until the next certificate is due, at least a
// minute, or zero when none is.
func renewIn(at, now time.Time) time.Duration {
	if at.IsZero() {
		return 0
	}
	return max(at.Sub(now), time.Minute)
}

// EnsureDefault creates the default spod in the operator namespace unless
// it exists. The API server fills the documented defaults.
func (r *Reconciler) EnsureDefault(ctx context.Context) error {
	spod := &spodv1alpha1.SecurityProfilesOperatorDaemon{
		ObjectMeta: metav1.ObjectMeta{Name: spodv1alpha1.Name, Namespace: r.Config.Namespace},
	}
	err := r.Client.Create(ctx, spod)
	if err == nil {
		ctrl.LoggerFrom(ctx).Info("Created the default spod", "namespace", r.Config.Namespace)
		return nil
	}
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return fmt.Errorf("create default spod: %w", err)
}

// deploy applies every object spod's spec describes, and the serving
// certificate requests when cert-manager is installed, and returns the
// DaemonSets as stored, with the status the DaemonSet controller wrote:
// the daemon's (one per labelled kubelet root besides spod), and
// selinuxd's when spod enables SELinux (which is deleted when it does not).
func (r *Reconciler) deploy(ctx context.Context, spod *spodv1alpha1.SecurityProfilesOperatorDaemon, certs servingCerts) (daemons []*appsv1.DaemonSet, selinuxd *appsv1.DaemonSet, err error) {
	spec := &spod.Spec
	roots, err := r.kubeletRoots(ctx, spod)
	if err != nil {
		return nil, nil, err
	}
	daemons = BuildDaemonSets(spec, r.Config, roots)
	owned := []client.Object{BuildWebhookDeployment(spec, r.Config), BuildWebhookService(r.Config),
		BuildWebhookPDB(r.Config), BuildMetricsService(r.Config)}
	for _, ds := range daemons {
		owned = append(owned, ds)
	}
	if selinuxd = BuildSelinuxdDaemonSet(spec, r.Config); selinuxd != nil {
		owned = append(owned, selinuxd)
	} else if err := r.deleteSelinuxd(ctx); err != nil {
		return nil, nil, err
	}
	if certs.certManager {
		for _, c := range BuildCertificates(r.Config) {
			owned = append(owned, c)
		}
	}
	monitor, err := r.crdInstalled(ctx, ServiceMonitorCRD)
	if err != nil {
		return nil, nil, err
	}
	if monitor {
		owned = append(owned, BuildServiceMonitor(r.Config))
	}
	for _, obj := range owned {
		obj.SetOwnerReferences([]metav1.OwnerReference{ownerRef(spod)})
		if err := r.apply(ctx, obj); err != nil {
			return nil, nil, err
		}
	}
	if err := r.deleteUnusedRootDaemonSets(ctx, daemons); err != nil {
		return nil, nil, err
	}
	if err := r.applyWebhookConfiguration(ctx, spod, certs); err != nil {
		return nil, nil, err
	}
	return daemons, selinuxd, nil
}

// deleteSelinuxd removes the selinuxd DaemonSet of an earlier spod that
// enabled SELinux. The policies it installed stay in the nodes' stores,
// as they would if selinuxd merely stopped.
func (r *Reconciler) deleteSelinuxd(ctx context.Context) error {
	existing := &appsv1.DaemonSet{}
	err := r.Client.Get(ctx, client.ObjectKey{Namespace: r.Config.Namespace, Name: SelinuxdDaemonSetName}, existing)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := r.Client.Delete(ctx, existing, client.Preconditions{UID: &existing.UID}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete the selinuxd DaemonSet: %w", err)
	}
	ctrl.LoggerFrom(ctx).Info("Deleted the selinuxd DaemonSet: spod no longer enables SELinux")
	return nil
}

// writeStatus patches spod's status when d changes it, and records an
// event on every state transition.
//
// The patch carries spod's resourceVersion. A cache that has not yet seen
// this controller's previous status write serves an old spod; without the
// check, the pass would write the same state again with a new transition
// time. With it the write conflicts and is dropped: the newer spod is
// already on its way to the queue and gets its own pass.
func (r *Reconciler) writeStatus(ctx context.Context, spod *spodv1alpha1.SecurityProfilesOperatorDaemon, d Decision) error {
	previous := spod.Status.State
	patch := client.MergeFromWithOptions(spod.DeepCopy(), client.MergeFromWithOptimisticLock{})
	if !ApplyDecision(&spod.Status, spod.Generation, d) {
		return nil
	}
	if err := r.Client.Status().Patch(ctx, spod, patch); err != nil {
		if apierrors.IsConflict(err) {
			return nil
		}
		return fmt.Errorf("write spod status: %w", err)
	}
	if previous != d.State && r.Events != nil {
		kind := corev1.EventTypeNormal
		if d.State == spodv1alpha1.StateError {
			kind = corev1.EventTypeWarning
		}
		r.Events.Eventf(spod, nil, kind, d.Reason, "Deploy", "%s", d.Message)
	}
	ctrl.LoggerFrom(ctx).V(1).Info("Updated spod status", "state", d.State, "message", d.Message)
	return nil
}

func ownerRef(spod *spodv1alpha1.SecurityProfilesOperatorDaemon) metav1.OwnerReference {
	return metav1.OwnerReference{
		APIVersion:         spodv1alpha1.GroupVersion.String(),
		Kind:               "SecurityProfilesOperatorDaemon",
		Name:               spod.Name,
		UID:                spod.UID,
		Controller:         ptrTo(true),
		BlockOwnerDeletion: ptrTo(true),
	}
}
