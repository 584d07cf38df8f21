package recording

import (
	"slices"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	profilerecordingv1alpha1 "github.com/securityprofiles/operator/apis/profilerecording/v1alpha1"
	"github.com/securityprofiles/operator/internal/throttle"
	"github.com/securityprofiles/operator/webhooks/server"
)

// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=profilerecordings/status,verbs=get;patch;update
// +kubebuilder:rbac:groups="",resources=pods,verbs=get;list;watch

// NewStatusReconciler keeps each ProfileRecording's status.activeWorkloads
// equal to the pods whose recording annotations name it.
func NewStatusReconciler(c client.Client) *server.WorkloadTracker[*profilerecordingv1alpha1.ProfileRecording] {
	return &server.WorkloadTracker[*profilerecordingv1alpha1.ProfileRecording]{
		Client:    c,
		Throttle:  throttle.Throttle{Interval: server.StatusInterval},
		Name:      "profilerecording-status",
		Kind:      "ProfileRecording",
		New:       func() *profilerecordingv1alpha1.ProfileRecording { return &profilerecordingv1alpha1.ProfileRecording{} },
		Workloads: func(r *profilerecordingv1alpha1.ProfileRecording) *[]string { return &r.Status.ActiveWorkloads },
		Named:     recordingsOf,
	}
}

// ActiveWorkloads lists, sorted as "<namespace>/<name>", the pods not
// being deleted that have a container recorded by recording.
func ActiveWorkloads(recording string, pods []metav1.PartialObjectMetadata) []string {
	return server.ActiveWorkloads(recording, pods, recordingsOf)
}

// recordingsOf lists the distinct recordings a pod's annotations name.
func recordingsOf(obj metav1.Object) []string {
	var out []string
	for k, v := range obj.GetAnnotations() {
		if !strings.HasPrefix(k, keys.RecordingAnnotationPrefix) {
			continue
		}
		if name, _, _, ok := keys.ParseRecordingAnnotation(v); ok && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}
