package nodestatus

import (
	"context"
	"fmt"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
)

// The writer reads its node's statuses at start and writes them; it never
// watches them.
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=securityprofilenodestatuses,verbs=get;list;create;update;delete
// +kubebuilder:rbac:groups="",resources=nodes,verbs=get

// Writer keeps one node's status objects. Set and Delete change its
// in-memory copy and return; Start's loop (or Sync) writes the namespaces
// that changed, each as one object. Only this node's daemon writes them,
// so the copy is the truth: a conflict means only that the version to
// write over must be read again.
type Writer struct {
	client   client.Client
	reader   client.Reader
	nodeName string

	// flushing serialises writes: two in flight for one namespace could
	// land out of order.
	flushing sync.Mutex
	mu       sync.Mutex
	spaces   map[string]*space
	// wake is signalled (never blocking: capacity 1) when a namespace
	// becomes dirty.
	wake chan struct{}
	// owner is the node, the owner of every object; read once.
	owner *metav1.OwnerReference
}

// space is one namespace's object as this process knows it.
type space struct {
	// loaded is set once the object was read from the API server.
	loaded bool
	// version and uid are the object's as last read or written; version
	// "" means there is none.
	version string
	uid     types.UID
	entries map[entryKey]nodestatusv1alpha1.ProfileNodeState
	// changes counts the changes not written yet.
	changes int
	// failures counts failed writes in a row, for the retry delay.
	failures int
	// notBefore is when the next write may start: after a failure, the
	// retry delay; after a success, as long again as that write took.
	notBefore time.Time
}

type entryKey struct {
	kind nodestatusv1alpha1.ProfileKind
	name string
}

// NewWriter returns the writer of nodeName's statuses. c writes; reader
// must read from the API server itself (not a cache): what it returns is
// written over.
func NewWriter(c client.Client, reader client.Reader, nodeName string) *Writer {
	return &Writer{client: c, reader: reader, nodeName: nodeName,
		spaces: map[string]*space{}, wake: make(chan struct{}, 1)}
}

// NodeName is the node this writer reports for.
func (w *Writer) NodeName() string { return w.nodeName }

// Set records this node's state of owner, a profile of the given kind, and
// reports whether it differs from what was recorded before. The write
// follows (see Start); a state of Installed is written to the installed
// list, which keeps neither reason nor message: they would only repeat
// themselves for every profile.
func (w *Writer) Set(ctx context.Context, owner client.Object, kind nodestatusv1alpha1.ProfileKind, st State) (bool, error) {
	entry := nodestatusv1alpha1.ProfileNodeState{Kind: kind, Name: owner.GetName(), UID: owner.GetUID(),
		Status: st.Status, Reason: truncate(st.Reason, 128), Message: truncate(st.Message, maxMessage)}
	if st.Status == profilebasev1alpha1.StateInstalled {
		entry.Reason, entry.Message = nodestatusv1alpha1.ReasonInstalled, ""
	}
	sp, err := w.load(ctx, owner.GetNamespace())
	if err != nil {
		return false, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	key := entryKey{kind, owner.GetName()}
	if sp.entries[key] == entry {
		return false, nil
	}
	sp.entries[key] = entry
	w.markDirty(sp)
	return true, nil
}

// Delete forgets this node's state of a profile; an unknown one is fine.
func (w *Writer) Delete(ctx context.Context, namespace string, kind nodestatusv1alpha1.ProfileKind, profile string) error {
	sp, err := w.load(ctx, namespace)
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	key := entryKey{kind, profile}
	if _, ok := sp.entries[key]; ok {
		delete(sp.entries, key)
		w.markDirty(sp)
	}
	return nil
}

// forget deletes the state of a profile recorded for the profile object
// uid, not one a newer profile of the same name recorded meanwhile.
func (w *Writer) forget(namespace string, kind nodestatusv1alpha1.ProfileKind, profile string, uid types.UID) {
	w.mu.Lock()
	defer w.mu.Unlock()
	sp := w.spaces[namespace]
	key := entryKey{kind, profile}
	if sp != nil && sp.entries[key].UID == uid {
		delete(sp.entries, key)
		w.markDirty(sp)
	}
}

// dirty reports whether the namespace has changes to write.
func (sp *space) dirty() bool { return sp.changes > 0 }

func (w *Writer) markDirty(sp *space) {
	sp.changes++
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// load returns the namespace's space, reading its object the first time:
// the states an earlier run of the daemon wrote stay until this run
// changes them, so a restart does not send every profile back to Pending.
func (w *Writer) load(ctx context.Context, namespace string) (*space, error) {
	w.mu.Lock()
	sp := w.spaces[namespace]
	w.mu.Unlock()
	if sp != nil && sp.loaded {
		return sp, nil
	}
	obj := &nodestatusv1alpha1.SecurityProfileNodeStatus{}
	err := w.reader.Get(ctx, types.NamespacedName{Namespace: namespace, Name: w.nodeName}, obj)
	if err != nil && !apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("read node status %s/%s: %w", namespace, w.nodeName, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if sp = w.spaces[namespace]; sp != nil && sp.loaded {
		return sp, nil // loaded meanwhile by another caller
	}
	sp = &space{loaded: true, entries: map[entryKey]nodestatusv1alpha1.ProfileNodeState{}}
	if err == nil && obj.NodeName == w.nodeName {
		sp.version, sp.uid = obj.ResourceVersion, obj.UID
		for _, e := range obj.States() {
			sp.entries[entryKey{e.Kind, e.Name}] = e
		}
	}
	w.spaces[namespace] = sp
	return sp, nil
}

// Add returns a writer of nodeName's statuses that mgr runs: its writes
// start with the manager and stop with it.
func Add(mgr ctrl.Manager, nodeName string) (*Writer, error) {
	RegisterMetrics()
	w := NewWriter(mgr.GetClient(), mgr.GetAPIReader(), nodeName)
	return w, mgr.Add(w)
}
