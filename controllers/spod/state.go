package spod

import (
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
)

// Condition reasons and event reasons.
const (
	ReasonPending  = "Pending"
	ReasonCreating = "Creating"
	ReasonUpdating = "Updating"
	ReasonRunning  = "Running"
	ReasonError    = "DeployFailed"
)

// ConditionCertificates reports who provides the webhook and metrics
// serving certificates: cert-manager, the manager itself (reason
// SelfSigned) or the installer (UserProvided).
const ConditionCertificates = "CertificatesManaged"

// Decision is the status a pass computed.
type Decision struct {
	State   spodv1alpha1.SPODState
	Reason  string
	Message string
	// Certificates says who provides the serving certificates; no
	// condition is written while its Reason is empty.
	Certificates CertStatus
}

// Decide turns what a pass observed into spod's state. deployErr is the
// error of writing the desired objects; daemons are the daemon's
// DaemonSets (spod's and one per labelled kubelet root) as the API server
// returned them, none when they could not be written; selinuxd is the
// selinuxd DaemonSet, nil when spod does not enable SELinux. previous is
// the state before this pass: daemons that were running before and now
// roll out a change are UPDATING, ones that never ran are CREATING.
func Decide(previous spodv1alpha1.SPODState, daemons []*appsv1.DaemonSet, selinuxd *appsv1.DaemonSet, deployErr error) Decision {
	if deployErr != nil {
		return Decision{State: spodv1alpha1.StateError, Reason: ReasonError, Message: deployErr.Error()}
	}
	if len(daemons) == 0 {
		return Decision{State: spodv1alpha1.StatePending, Reason: ReasonPending, Message: "Waiting for the daemon to be deployed"}
	}
	if DaemonsReady(daemons) && (selinuxd == nil || rolledOut(selinuxd)) {
		return Decision{State: spodv1alpha1.StateRunning, Reason: ReasonRunning, Message: "The daemon runs on every node"}
	}
	if previous == spodv1alpha1.StateRunning || previous == spodv1alpha1.StateUpdating {
		return Decision{State: spodv1alpha1.StateUpdating, Reason: ReasonUpdating, Message: "Rolling out the daemon's new configuration"}
	}
	return Decision{State: spodv1alpha1.StateCreating, Reason: ReasonCreating, Message: "Waiting for the daemon to run on every node"}
}

// DaemonsReady reports whether the daemon runs somewhere and every one of
// its DaemonSets is rolled out. One of them may schedule no pod (all
// nodes use a labelled kubelet root, or none does), but a daemon that runs
// nowhere installs nothing.
func DaemonsReady(daemons []*appsv1.DaemonSet) bool {
	var desired int32
	for _, ds := range daemons {
		if !rolledOut(ds) {
			return false
		}
		desired += ds.Status.DesiredNumberScheduled
	}
	return desired > 0
}

// rolledOut reports whether every pod the DaemonSet schedules runs its
// current spec and is available. selinuxd's DaemonSet may schedule none:
// no node runs SELinux, and each node's daemon says so on the profiles.
func rolledOut(ds *appsv1.DaemonSet) bool {
	s := ds.Status
	return s.ObservedGeneration >= ds.Generation &&
		s.UpdatedNumberScheduled == s.DesiredNumberScheduled &&
		s.NumberAvailable == s.DesiredNumberScheduled &&
		s.NumberUnavailable == 0
}

// ApplyDecision writes d into status, keeping the Ready condition in step
// with the state string, and reports whether anything changed.
func ApplyDecision(status *spodv1alpha1.SPODStatus, generation int64, d Decision) bool {
	before := status.DeepCopy()
	status.State = d.State
	status.Message = d.Message
	cond := metav1.Condition{
		Type:               "Ready",
		Status:             metav1.ConditionFalse,
		Reason:             d.Reason,
		Message:            d.Message,
		ObservedGeneration: generation,
	}
	if d.State == spodv1alpha1.StateRunning {
		cond.Status = metav1.ConditionTrue
	}
	meta.SetStatusCondition(&status.Conditions, cond)
	if d.Certificates.Reason != "" {
		meta.SetStatusCondition(&status.Conditions, certificatesCondition(generation, d.Certificates))
	}
	return !equality.Semantic.DeepEqual(before, status)
}

// certificatesCondition tells the installer who provides the webhook and
// metrics serving certificates.
func certificatesCondition(generation int64, c CertStatus) metav1.Condition {
	status := metav1.ConditionFalse
	if c.Managed {
		status = metav1.ConditionTrue
	}
	return metav1.Condition{
		Type: ConditionCertificates, Status: status, Reason: c.Reason, Message: c.Message, ObservedGeneration: generation,
	}
}
