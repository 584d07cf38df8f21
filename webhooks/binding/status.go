package binding

import (
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	profilebindingv1alpha1 "github.com/securityprofiles/operator/apis/profilebinding/v1alpha1"
	"github.com/securityprofiles/operator/internal/throttle"
	"github.com/securityprofiles/operator/webhooks/server"
)

// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=profilebindings/status,verbs=get;patch;update
// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch

// NewStatusReconciler keeps each ProfileBinding's status.activeWorkloads
// equal to the pods that carry it in their spo.x-k8s.io/bindings
// annotation (see server.WorkloadTracker for why this is not done at
// admission).
func NewStatusReconciler(c client.Client) *server.WorkloadTracker[*profilebindingv1alpha1.ProfileBinding] {
	return &server.WorkloadTracker[*profilebindingv1alpha1.ProfileBinding]{
		Client:    c,
		Throttle:  throttle.Throttle{Interval: server.StatusInterval},
		Name:      "profilebinding-status",
		Kind:      "ProfileBinding",
		New:       func() *profilebindingv1alpha1.ProfileBinding { return &profilebindingv1alpha1.ProfileBinding{} },
		Workloads: func(b *profilebindingv1alpha1.ProfileBinding) *[]string { return &b.Status.ActiveWorkloads },
		Named:     bindingsOf,
	}
}

// ActiveWorkloads lists, sorted as "<namespace>/<name>", the pods whose
// bindings annotation names binding and that are not being deleted.
func ActiveWorkloads(binding string, pods []metav1.PartialObjectMetadata) []string {
	return server.ActiveWorkloads(binding, pods, bindingsOf)
}

func bindingsOf(obj metav1.Object) []string {
	v := obj.GetAnnotations()[keys.BindingsAnnotation]
	if v == "" {
		return nil
	}
	return strings.Split(v, ",")
}
