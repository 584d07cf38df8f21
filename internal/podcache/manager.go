package podcache

import (
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	toolscache "k8s.io/client-go/tools/cache"

	"github.com/securityprofiles/operator/apis/keys"
)

// Manager is the transform of the manager's pod cache.
//
// Pods of the operator namespace (the daemon, webhook and manager pods:
// a handful) are kept whole but for managedFields: the SELinux node
// labeller reads the daemon pods' labels, owner, node and init-container
// termination messages. Every other pod keeps what the profile
// controllers and the scheduling gate read: identity, the annotations
// that name profiles or bindings, the seccomp, SELinux and AppArmor parts
// of every security context, the scheduling gates, the phase, and, while
// the pod carries the profiles-installed gate, its conditions (the gate
// patches its own condition against them).
//
// The gate writes pods only as patches computed between two copies of the
// trimmed pod, so fields missing from the cache are never sent.
func Manager(operatorNamespace string) toolscache.TransformFunc {
	return transform(func(pod *corev1.Pod) bool { return pod.Namespace == operatorNamespace }, forManager)
}

func forManager(in *corev1.Pod) *corev1.Pod {
	out := &corev1.Pod{
		TypeMeta: in.TypeMeta,
		ObjectMeta: metav1.ObjectMeta{
			Name:              in.Name,
			SelfLink:          trimmedMark,
			Namespace:         in.Namespace,
			UID:               in.UID,
			ResourceVersion:   in.ResourceVersion,
			Generation:        in.Generation,
			DeletionTimestamp: in.DeletionTimestamp,
			Annotations:       annotations(in.Annotations, namesProfile),
		},
		Spec: corev1.PodSpec{
			SecurityContext:     lsmPodContext(in.Spec.SecurityContext),
			SchedulingGates:     in.Spec.SchedulingGates,
			InitContainers:      containers(in.Spec.InitContainers, managerKeeps),
			Containers:          containers(in.Spec.Containers, managerKeeps),
			EphemeralContainers: ephemeralContainers(in.Spec.EphemeralContainers, managerKeeps),
		},
		Status: corev1.PodStatus{Phase: in.Status.Phase},
	}
	if slices.ContainsFunc(in.Spec.SchedulingGates, func(g corev1.PodSchedulingGate) bool {
		return g.Name == keys.ProfilesInstalledGate
	}) {
		out.Status.Conditions = in.Status.Conditions
	}
	return out
}

// namesProfile reports whether an annotation names a profile the pod
// uses (the legacy seccomp and AppArmor forms) or the bindings the
// webhook applied.
func namesProfile(key string) bool {
	return key == keys.SeccompPodAnnotation || key == keys.BindingsAnnotation ||
		strings.HasPrefix(key, keys.SeccompContainerAnnotationPrefix) ||
		strings.HasPrefix(key, corev1.DeprecatedAppArmorBetaContainerAnnotationKeyPrefix)
}

func lsmPodContext(in *corev1.PodSecurityContext) *corev1.PodSecurityContext {
	if in == nil || (in.SeccompProfile == nil && in.SELinuxOptions == nil && in.AppArmorProfile == nil) {
		return nil
	}
	return &corev1.PodSecurityContext{SeccompProfile: in.SeccompProfile, SELinuxOptions: in.SELinuxOptions, AppArmorProfile: in.AppArmorProfile}
}

func lsmContext(in *corev1.SecurityContext) *corev1.SecurityContext {
	if in == nil || (in.SeccompProfile == nil && in.SELinuxOptions == nil && in.AppArmorProfile == nil) {
		return nil
	}
	return &corev1.SecurityContext{SeccompProfile: in.SeccompProfile, SELinuxOptions: in.SELinuxOptions, AppArmorProfile: in.AppArmorProfile}
}

// managerKeeps: the profile controllers read no image.
var managerKeeps = kept{context: lsmContext}
