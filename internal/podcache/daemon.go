package podcache

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"

	"github.com/securityprofiles/operator/apis/keys"
)

// Daemon is the transform of a node daemon's pod cache. It keeps what
// profile recording and the log enricher's container directory read:
// identity (generateName too, for recorded profiles' names), the
// recording annotations, the node, every container's name, image,
// seccomp profile and privileged flag, the pod's seccomp profile, and
// every container status's name and runtime IDs.
func Daemon() toolscache.TransformFunc {
	return transform(func(*corev1.Pod) bool { return false }, forDaemon)
}

func forDaemon(in *corev1.Pod) *corev1.Pod {
	out := &corev1.Pod{
		TypeMeta: in.TypeMeta,
		ObjectMeta: metav1.ObjectMeta{
			Name:              in.Name,
			SelfLink:          trimmedMark,
			GenerateName:      in.GenerateName,
			Namespace:         in.Namespace,
			UID:               in.UID,
			ResourceVersion:   in.ResourceVersion,
			DeletionTimestamp: in.DeletionTimestamp,
			Annotations: annotations(in.Annotations, func(k string) bool {
				return strings.HasPrefix(k, keys.RecordingAnnotationPrefix)
			}),
		},
		Spec: corev1.PodSpec{
			NodeName:            in.Spec.NodeName,
			InitContainers:      containers(in.Spec.InitContainers, daemonKeeps),
			Containers:          containers(in.Spec.Containers, daemonKeeps),
			EphemeralContainers: ephemeralContainers(in.Spec.EphemeralContainers, daemonKeeps),
		},
		Status: corev1.PodStatus{
			InitContainerStatuses:      statusIDs(in.Status.InitContainerStatuses),
			ContainerStatuses:          statusIDs(in.Status.ContainerStatuses),
			EphemeralContainerStatuses: statusIDs(in.Status.EphemeralContainerStatuses),
		},
	}
	if sc := in.Spec.SecurityContext; sc != nil && sc.SeccompProfile != nil {
		out.Spec.SecurityContext = &corev1.PodSecurityContext{SeccompProfile: sc.SeccompProfile}
	}
	return out
}

func seccompContext(in *corev1.SecurityContext) *corev1.SecurityContext {
	if in == nil || (in.SeccompProfile == nil && in.Privileged == nil) {
		return nil
	}
	return &corev1.SecurityContext{SeccompProfile: in.SeccompProfile, Privileged: in.Privileged}
}

// statusIDs keeps each status's container name and the runtime IDs of
// its current and last run.
func statusIDs(in []corev1.ContainerStatus) []corev1.ContainerStatus {
	if in == nil {
		return nil
	}
	out := make([]corev1.ContainerStatus, len(in))
	for i, s := range in {
		out[i] = corev1.ContainerStatus{Name: s.Name, ContainerID: s.ContainerID}
		if t := s.State.Terminated; t != nil {
			out[i].State.Terminated = &corev1.ContainerStateTerminated{ContainerID: t.ContainerID}
		}
		if t := s.LastTerminationState.Terminated; t != nil {
			out[i].LastTerminationState.Terminated = &corev1.ContainerStateTerminated{ContainerID: t.ContainerID}
		}
	}
	return out
}

// daemonKeeps: the enricher reports each container's image.
var daemonKeeps = kept{image: true, context: seccompContext}
