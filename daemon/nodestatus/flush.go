package nodestatus

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/securityprofiles/operator/apis/keys"
	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
)

// Retry delays of a namespace whose write failed: doubling, capped like
// the daemon's reconcile retries.
const (
	retryBase = 100 * time.Millisecond
	retryMax  = time.Minute
)

// resyncInterval is how often the writer compares its objects with the
// API server's and rewrites one that differs: deleted by someone (the
// garbage collector after the Node was replaced under the same name, or
// the manager when it briefly did not know the node yet) or edited.
const resyncInterval = 5 * time.Minute

// Start writes what Set and Delete recorded until ctx ends. There is no
// fixed batching delay: a write starts as soon as something changed, and
// the states recorded while it is in flight, and for as long again after
// it (three times as long after a write of several changes), go together
// in the next one, so an idle node reports at once and a busy one in few
// writes.
func (w *Writer) Start(ctx context.Context) error {
	log := ctrl.LoggerFrom(ctx).WithName("nodestatus")
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	resync := time.NewTicker(resyncInterval)
	defer resync.Stop()
	for {
		if next := w.flushAll(ctx, false, log.Error); next > 0 {
			timer.Reset(next)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-w.wake:
		case <-timer.C:
		case <-resync.C:
			if err := w.resync(ctx); err != nil {
				log.Error(err, "Cannot compare the node statuses with the API server's")
			}
		}
	}
}

// NeedLeaderElection is false: every node's daemon writes its own statuses.
func (w *Writer) NeedLeaderElection() bool { return false }

// Sync writes every pending change now and returns the first error.
func (w *Writer) Sync(ctx context.Context) error {
	var first error
	w.flushAll(ctx, true, func(err error, _ string, _ ...any) {
		if first == nil {
			first = err
		}
	})
	return first
}

// flushAll writes the dirty namespaces, one at a time; a namespace waits
// for its notBefore time (retry delay, or spacing after a write) unless
// now is set. It returns how long until the next one is due (0: none).
func (w *Writer) flushAll(ctx context.Context, now bool, report func(error, string, ...any)) time.Duration {
	w.flushing.Lock()
	defer w.flushing.Unlock()
	for _, ns := range w.dueNamespaces(now) {
		err := w.write(ctx, ns)
		countWrite(err)
		if err == nil {
			continue
		}
		w.mu.Lock()
		sp := w.spaces[ns]
		sp.failures++
		delay := min(retryBase<<min(sp.failures, 10), retryMax)
		sp.notBefore = time.Now().Add(delay)
		w.mu.Unlock()
		report(err, "Cannot write the node status; retrying", "namespace", ns, "retryIn", delay)
	}
	return w.nextRetry()
}

// dueNamespaces lists the dirty namespaces whose notBefore time has come
// (all dirty ones when now is set).
func (w *Writer) dueNamespaces(now bool) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	t := time.Now()
	for ns, sp := range w.spaces {
		if sp.dirty() && (now || !t.Before(sp.notBefore)) {
			out = append(out, ns)
		}
	}
	sort.Strings(out)
	return out
}

// nextRetry is how long until the earliest notBefore of a dirty namespace
// (0: none is dirty). One whose time came since dueNamespaces looked is
// due at once: leaving it out would leave Start waiting for the next
// change, which on a quiet node may never come (a profile's state then
// stayed unreported until the 5-minute resync).
func (w *Writer) nextRetry() time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	var next time.Duration
	for _, sp := range w.spaces {
		if !sp.dirty() {
			continue
		}
		if d := max(time.Until(sp.notBefore), time.Nanosecond); next == 0 || d < next {
			next = d
		}
	}
	return next
}

// write puts one namespace's recorded states into its object: created
// when missing, deleted once it lists nothing.
func (w *Writer) write(ctx context.Context, namespace string) error {
	start := time.Now()
	w.mu.Lock()
	sp := w.spaces[namespace]
	changes := sp.changes
	sp.changes = 0
	entries := make([]nodestatusv1alpha1.ProfileNodeState, 0, len(sp.entries))
	for _, e := range sp.entries {
		entries = append(entries, e)
	}
	version, uid := sp.version, sp.uid
	w.mu.Unlock()
	fit(entries)

	var err error
	for attempt := 0; attempt < 2; attempt++ {
		version, uid, err = w.put(ctx, namespace, entries, version, uid)
		if !apierrors.IsConflict(err) && !apierrors.IsAlreadyExists(err) {
			break
		}
		// Written over since this process read it (a daemon of the
		// same node before this one, or a hand edit): this process
		// holds the node's truth, so it writes over the newer version.
		if version, uid, err = w.current(ctx, namespace); err != nil {
			break
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		sp.changes += changes // still to be written: dirty again
	}
	if err == nil {
		// A namespace is written at most half the time: when the API
		// server is slow because it is busy, what a burst records in the
		// meantime goes out in fewer, fuller writes (each rewrites the
		// whole list); when it is fast, the wait is a few milliseconds.
		// In a burst (the write carried several changes) at most a
		// quarter of the time; a single change, the usual case on a
		// quiet cluster, is never held back longer than the write took.
		wait := time.Since(start)
		if changes > 1 {
			wait *= burstSpacing
		}
		sp.version, sp.uid, sp.failures, sp.notBefore = version, uid, 0, time.Now().Add(wait)
	}
	return err
}

// burstSpacing multiplies the wait after a write that carried several
// changes.
const burstSpacing = 3

// maxObjectBytes keeps an object well under etcd's 1.5 MiB request limit.
const maxObjectBytes = 1 << 20

// fit shortens messages, then drops them, when a namespace has so many
// profiles in trouble that their messages would not fit into one object:
// the states and reasons always fit (about 8,000 profiles of the longest
// names per namespace; far more of usual length).
func fit(entries []nodestatusv1alpha1.ProfileNodeState) {
	size := func() int {
		n := 0
		for i := range entries {
			e := &entries[i]
			n += len(e.Kind) + len(e.Name) + len(e.UID)
			if e.Status == profilebasev1alpha1.StateInstalled {
				n += 6 // quotes, slashes, comma
			} else {
				// JSON field names and punctuation: about 80 bytes.
				n += 80 + len(e.Reason) + len(e.Message)
			}
		}
		return n
	}
	for _, limit := range []int{128, 0} {
		if size() <= maxObjectBytes {
			return
		}
		for i := range entries {
			if len(entries[i].Message) > limit {
				entries[i].Message = truncate(entries[i].Message, limit)
			}
		}
	}
}

// put writes entries over the object of the given version ("": none) and
// returns the version written.
func (w *Writer) put(ctx context.Context, namespace string, entries []nodestatusv1alpha1.ProfileNodeState,
	version string, uid types.UID) (string, types.UID, error) {
	if len(entries) == 0 {
		if version == "" {
			return "", "", nil
		}
		obj := &nodestatusv1alpha1.SecurityProfileNodeStatus{ObjectMeta: metav1.ObjectMeta{Name: w.nodeName, Namespace: namespace}}
		err := w.client.Delete(ctx, obj, client.Preconditions{UID: &uid, ResourceVersion: &version})
		if apierrors.IsNotFound(err) {
			err = nil
		}
		return "", "", err
	}
	owner, err := w.nodeOwner(ctx)
	if err != nil {
		return version, uid, err
	}
	obj := &nodestatusv1alpha1.SecurityProfileNodeStatus{
		ObjectMeta: metav1.ObjectMeta{
			Name: w.nodeName, Namespace: namespace, ResourceVersion: version,
			Labels:          map[string]string{keys.NodeNameLabel: LabelValue(w.nodeName)},
			OwnerReferences: []metav1.OwnerReference{*owner},
		},
		NodeName: w.nodeName,
	}
	obj.SetStates(entries)
	if version == "" {
		err = w.client.Create(ctx, obj)
	} else {
		err = w.client.Update(ctx, obj)
		if apierrors.IsNotFound(err) {
			obj.ResourceVersion = ""
			err = w.client.Create(ctx, obj)
		}
	}
	if err != nil {
		return version, uid, err
	}
	return obj.ResourceVersion, obj.UID, nil
}

// current reads the version and UID of the namespace's object ("" when
// there is none).
func (w *Writer) current(ctx context.Context, namespace string) (string, types.UID, error) {
	obj := &nodestatusv1alpha1.SecurityProfileNodeStatus{}
	err := w.reader.Get(ctx, types.NamespacedName{Namespace: namespace, Name: w.nodeName}, obj)
	if apierrors.IsNotFound(err) {
		return "", "", nil
	}
	if err != nil {
		return "", "", fmt.Errorf("read node status %s/%s: %w", namespace, w.nodeName, err)
	}
	return obj.ResourceVersion, obj.UID, nil
}

// nodeOwner is the owner reference to this node: the garbage collector
// deletes a node's statuses with the node. It does not block the node's
// deletion, which would need a permission on nodes the daemon must not
// have.
func (w *Writer) nodeOwner(ctx context.Context) (*metav1.OwnerReference, error) {
	w.mu.Lock()
	owner := w.owner
	w.mu.Unlock()
	if owner != nil {
		return owner, nil
	}
	node := &corev1.Node{}
	if err := w.reader.Get(ctx, types.NamespacedName{Name: w.nodeName}, node); err != nil {
		return nil, fmt.Errorf("read node %s: %w", w.nodeName, err)
	}
	if node.UID == "" {
		return nil, errors.New("node " + w.nodeName + " has no UID")
	}
	owner = &metav1.OwnerReference{APIVersion: "v1", Kind: "Node", Name: node.Name, UID: node.UID}
	w.mu.Lock()
	w.owner = owner
	w.mu.Unlock()
	return owner, nil
}

// resync compares each namespace's object with what this writer holds and
// marks it for writing when it is missing, differs, or is owned by a Node
// of the same name that is not this node any more.
func (w *Writer) resync(ctx context.Context) error {
	w.mu.Lock()
	w.owner = nil // read the node again: it may have been replaced
	namespaces := make([]string, 0, len(w.spaces))
	for ns := range w.spaces {
		namespaces = append(namespaces, ns)
	}
	w.mu.Unlock()
	owner, err := w.nodeOwner(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, ns := range namespaces {
		obj := &nodestatusv1alpha1.SecurityProfileNodeStatus{}
		err := w.reader.Get(ctx, types.NamespacedName{Namespace: ns, Name: w.nodeName}, obj)
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, err)
			continue
		}
		w.mu.Lock()
		sp := w.spaces[ns]
		if apierrors.IsNotFound(err) {
			sp.version, sp.uid = "", ""
		} else {
			sp.version, sp.uid = obj.ResourceVersion, obj.UID
		}
		if !sp.dirty() && !w.matches(sp, obj, err == nil, owner) {
			w.markDirty(sp)
		}
		w.mu.Unlock()
	}
	return errors.Join(errs...)
}

// matches reports whether the object read (exists false: none) holds
// exactly sp's states, owned by owner.
func (w *Writer) matches(sp *space, obj *nodestatusv1alpha1.SecurityProfileNodeStatus, exists bool, owner *metav1.OwnerReference) bool {
	if !exists {
		return len(sp.entries) == 0
	}
	states := obj.States()
	if len(states) != len(sp.entries) || len(obj.OwnerReferences) != 1 || obj.OwnerReferences[0].UID != owner.UID {
		return false
	}
	for _, e := range states {
		if sp.entries[entryKey{e.Kind, e.Name}] != e {
			return false
		}
	}
	return true
}
