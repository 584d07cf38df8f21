package server

import (
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/cache"

	"github.com/securityprofiles/operator/apis/keys"
)

// CacheOptions are the manager cache options of the webhook binary. The
// status controllers watch pods as metadata only (never full pods), and
// every cached pod is cut down to its identity and the annotations the
// webhooks wrote, so the cache costs a few hundred bytes per pod even in
// large clusters. Managed fields are dropped from every object.
func CacheOptions() cache.Options {
	strip := cache.TransformStripManagedFields()
	return cache.Options{DefaultTransform: func(obj any) (any, error) {
		if pom, ok := obj.(*metav1.PartialObjectMetadata); ok {
			return trimPodMetadata(pom), nil
		}
		return strip(obj)
	}}
}

// trimPodMetadata keeps what the status controllers read.
func trimPodMetadata(in *metav1.PartialObjectMetadata) *metav1.PartialObjectMetadata {
	out := &metav1.PartialObjectMetadata{TypeMeta: in.TypeMeta, ObjectMeta: metav1.ObjectMeta{
		Name:              in.Name,
		Namespace:         in.Namespace,
		UID:               in.UID,
		ResourceVersion:   in.ResourceVersion,
		DeletionTimestamp: in.DeletionTimestamp,
	}}
	for k, v := range in.Annotations {
		if k == keys.BindingsAnnotation || strings.HasPrefix(k, keys.RecordingAnnotationPrefix) {
			if out.Annotations == nil {
				out.Annotations = map[string]string{}
			}
			out.Annotations[k] = v
		}
	}
	return out
}
