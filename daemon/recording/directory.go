package recording

import (
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// ContainerRef names a container of a pod on this node.
type ContainerRef struct {
	Namespace, Pod, Container string
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
	for name, list := range ContainerIDs(pod) {
		for _, id := range list {
			d.byID[id] = ContainerRef{Namespace: pod.Namespace, Pod: pod.Name, Container: name}
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
