package selinux

import (
	"context"
	"fmt"
	"hash/fnv"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// A SelinuxProfile and a RawSelinuxProfile with the same name in one
// namespace both have the policy <name>_<namespace>, so only one of them
// may write its file. The SelinuxProfile owns the name while it exists
// (being deleted, disabled or partial included: its reconciler then
// removes the file), as the manager rules; a RawSelinuxProfile owns it
// only while there is no such SelinuxProfile.

// ownsPolicy reports whether the profile of r's kind at key owns its
// policy file on this node; exists is whether that profile still exists.
// A SelinuxProfile that is gone leaves the file to a RawSelinuxProfile of
// the same name, whose pass (queued by the deletion) writes its own
// policy there.
func (r *reconciler) ownsPolicy(ctx context.Context, key client.ObjectKey, exists bool) (bool, error) {
	if exists && r.kind.ownsName {
		return true, nil
	}
	other := r.kind.namesake()
	err := r.client.Get(ctx, key, other)
	switch {
	case apierrors.IsNotFound(err):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("look up the profile of the other kind named %s: %w", key, err)
	}
	return false, nil
}

// conflict reports a RawSelinuxProfile shadowed by a SelinuxProfile. Its
// file is the SelinuxProfile's, so it is left alone.
func (r *reconciler) conflict(ctx context.Context, obj client.Object) error {
	countError(ReasonNameConflict)
	key := client.ObjectKeyFromObject(obj)
	return r.fail(ctx, obj, ReasonNameConflict, fmt.Sprintf(
		"SelinuxProfile %s has the same name and owns the policy %s on this node; not installed while it exists",
		key, policyName(key)))
}

// policyLocks makes the passes of the two kinds over one policy name take
// turns, so a pass decides who owns the file and writes or removes it
// without the other kind's pass acting in between. The informer updates
// its cache before it queues a pass, so a pass that waited for the lock
// sees the other kind's object as the pass that held it did, or newer.
// Names share a lock by hash: a collision only serialises two passes.
type policyLocks struct {
	stripes [64]sync.Mutex
}

// lock locks policy's stripe and returns its unlock.
func (l *policyLocks) lock(policy string) func() {
	h := fnv.New32a()
	_, _ = h.Write([]byte(policy))
	m := &l.stripes[h.Sum32()%uint32(len(l.stripes))]
	m.Lock()
	return m.Unlock
}
