package podcache

import (
	corev1 "k8s.io/api/core/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
)

// trimmedMark is the selfLink of every pod this package trimmed, so a
// transform handed its own output returns it as it is.
//
// client-go's streaming watch-list (on by default since client-go 0.35
// with API servers from 1.34) transforms each pod of the initial sync as
// it arrives, then passes the transformed pods to the informer's queue,
// which transforms them again. A trim that copies would hold every pod
// twice at the end of the sync: 10,000 trimmed pods cost ~20 MiB more
// live heap, which the garbage collector doubles (hack/bench/podmem).
// API servers have not set selfLink since Kubernetes 1.24 and no
// controller reads it, so it carries the mark at no cost per pod; a pod
// that arrived with this selfLink would merely stay whole.
const trimmedMark = "podcache:trimmed"

// alreadyTrimmed reports whether pod is the output of one of our trims.
func alreadyTrimmed(pod *corev1.Pod) bool { return pod.SelfLink == trimmedMark }

// transform trims pods with trim, except those keepWhole claims, which
// like every other object only lose their managedFields.
func transform(keepWhole func(*corev1.Pod) bool, trim func(*corev1.Pod) *corev1.Pod) toolscache.TransformFunc {
	strip := cache.TransformStripManagedFields()
	return func(obj any) (any, error) {
		pod, ok := obj.(*corev1.Pod)
		if !ok || keepWhole(pod) {
			return strip(obj)
		}
		if alreadyTrimmed(pod) {
			return pod, nil
		}
		return trim(pod), nil
	}
}
