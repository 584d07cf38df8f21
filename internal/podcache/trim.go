package podcache

import corev1 "k8s.io/api/core/v1"

// annotations keeps the annotations whose key passes keep; nil when none
// does, so most pods hold no map at all.
func annotations(in map[string]string, keep func(string) bool) map[string]string {
	var out map[string]string
	for k, v := range in {
		if !keep(k) {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = v
	}
	return out
}

// kept says what of a container is kept besides its name.
type kept struct {
	image bool
	// context trims the container's security context.
	context func(*corev1.SecurityContext) *corev1.SecurityContext
}

func (k kept) imageOf(image string) string {
	if k.image {
		return image
	}
	return ""
}

// containers keeps each container's name and what k says.
func containers(in []corev1.Container, k kept) []corev1.Container {
	if in == nil {
		return nil
	}
	out := make([]corev1.Container, len(in))
	for i := range in {
		out[i] = corev1.Container{Name: in[i].Name, Image: k.imageOf(in[i].Image), SecurityContext: k.context(in[i].SecurityContext)}
	}
	return out
}

func ephemeralContainers(in []corev1.EphemeralContainer, k kept) []corev1.EphemeralContainer {
	if in == nil {
		return nil
	}
	out := make([]corev1.EphemeralContainer, len(in))
	for i := range in {
		out[i].Name, out[i].Image = in[i].Name, k.imageOf(in[i].Image)
		out[i].SecurityContext = k.context(in[i].SecurityContext)
	}
	return out
}
