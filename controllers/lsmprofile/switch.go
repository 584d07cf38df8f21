package lsmprofile

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/event"

	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/internal/profilestate"
)

// nodeSwitch is the spod field that makes the node daemons install a
// kind: without it no node ever reports on the kind's profiles.
type nodeSwitch struct {
	// field is the spod field as users patch it.
	field string
	// reason is the Ready reason of a profile no node installs because
	// the switch is off.
	reason string
	on     func(*spodv1alpha1.SPODSpec) bool
}

var (
	selinuxSwitch = nodeSwitch{field: "enableSelinux", reason: "SelinuxNotEnabled",
		on: (*spodv1alpha1.SPODSpec).SelinuxEnabled}
	appArmorSwitch = nodeSwitch{field: "enableAppArmor", reason: "AppArmorNotEnabled",
		on: (*spodv1alpha1.SPODSpec).AppArmorEnabled}
)

// explainPending says why a profile no node has reported on stays Pending
// when spod does not switch its kind on: otherwise it would read Pending
// forever with nothing pointing at the fix.
func (r *Reconciler) explainPending(ctx context.Context, agg profilestate.Aggregate, reports int) (profilestate.Aggregate, error) {
	if agg.State != profilebasev1alpha1.StatePending || reports > 0 {
		return agg, nil
	}
	spod := &spodv1alpha1.SecurityProfilesOperatorDaemon{}
	err := r.client.Get(ctx, types.NamespacedName{Namespace: r.operatorNamespace, Name: spodv1alpha1.Name}, spod)
	switch {
	case apierrors.IsNotFound(err):
		// The manager creates spod with every switch off.
	case err != nil:
		return agg, fmt.Errorf("read spod: %w", err)
	case r.kind.nodeSwitch.on(&spod.Spec):
		return agg, nil
	}
	sw := r.kind.nodeSwitch
	return profilestate.Aggregate{State: profilebasev1alpha1.StatePending, Reason: sw.reason, Nodes: agg.Nodes, Message: fmt.Sprintf(
		"no node installs %ss while spod's spec.%s is off: kubectl -n %s patch spod %s --type=merge -p '{\"spec\":{\"%s\":true}}'",
		r.kind.name, sw.field, r.operatorNamespace, spodv1alpha1.Name, sw.field)}, nil
}

// changed passes spod updates that turn a kind's node switch on or
// off.
func (sw nodeSwitch) changed(e event.UpdateEvent) bool {
	old, ok1 := e.ObjectOld.(*spodv1alpha1.SecurityProfilesOperatorDaemon)
	cur, ok2 := e.ObjectNew.(*spodv1alpha1.SecurityProfilesOperatorDaemon)
	return !ok1 || !ok2 || sw.on(&old.Spec) != sw.on(&cur.Spec)
}
