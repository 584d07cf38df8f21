package recording

import (
	"slices"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/securityprofiles/operator/internal/podprofiles"
)

// ContainerRef names a container of a pod on this node.
type ContainerRef struct {
	Namespace, Pod, Container string
	// Image is the container's image as the pod names it.
	Image string
	// AuditProfile, when set, is the SeccompProfile whose audit copy the
	// container runs (ProfileBinding mode: Audit).
	AuditProfile *types.NamespacedName
}

// Directory maps the runtime IDs of the containers on this node to their
// pods, for the log enricher's attribution. It holds only the pods the
// daemon caches (all of the node's, or with enableMemoryOptimization only
// those labelled for recording). Safe for concurrent use.
type Directory struct {
	mu    sync.RWMutex
	byID  map[string]ContainerRef
	byPod map[types.NamespacedName][]string
}

// NewDirectory returns an empty Directory.
func NewDirectory() *Directory {
	return &Directory{byID: map[string]ContainerRef{}, byPod: map[types.NamespacedName][]string{}}
}

// Update records the containers pod's status reports.
func (d *Directory) Update(pod *corev1.Pod) {
	key := types.NamespacedName{Namespace: pod.Namespace, Name: pod.Name}
	d.mu.Lock()
	defer d.mu.Unlock()
	var ids []string
	specs := containerSpecs(pod)
	for name, list := range ContainerIDs(pod) {
		ref := specs[name]
		ref.Namespace, ref.Pod, ref.Container = pod.Namespace, pod.Name, name
		for _, id := range list {
			d.byID[id] = ref
			ids = append(ids, id)
		}
	}
	// IDs the pod no longer reports are kept until the pod goes: audit
	// records of a restarted container's last run may still be in flight.
	d.byPod[key] = mergeIDs(d.byPod[key], ids)
}

// Remove forgets a pod.
func (d *Directory) Remove(key types.NamespacedName) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, id := range d.byPod[key] {
		delete(d.byID, id)
	}
	delete(d.byPod, key)
}

// Lookup finds the container with a runtime ID.
func (d *Directory) Lookup(id string) (ContainerRef, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	ref, ok := d.byID[id]
	return ref, ok
}

// containerSpecs reads each container's image and, for one running a
// profile's audit copy, that profile, from the pod's spec.
func containerSpecs(pod *corev1.Pod) map[string]ContainerRef {
	out := map[string]ContainerRef{}
	var podSeccomp *corev1.SeccompProfile
	if pod.Spec.SecurityContext != nil {
		podSeccomp = pod.Spec.SecurityContext.SeccompProfile
	}
	add := func(name, image string, sc *corev1.SecurityContext) {
		sp := podSeccomp
		if sc != nil && sc.SeccompProfile != nil {
			sp = sc.SeccompProfile
		}
		ref := ContainerRef{Image: image}
		if sp != nil && sp.Type == corev1.SeccompProfileTypeLocalhost && sp.LocalhostProfile != nil {
			if key, audit, ok := podprofiles.ParseLocalhostPathMode(*sp.LocalhostProfile); ok && audit {
				ref.AuditProfile = &key
			}
		}
		out[name] = ref
	}
	for _, c := range slices.Concat(pod.Spec.InitContainers, pod.Spec.Containers) {
		add(c.Name, c.Image, c.SecurityContext)
	}
	for _, c := range pod.Spec.EphemeralContainers {
		add(c.Name, c.Image, c.SecurityContext)
	}
	return out
}
