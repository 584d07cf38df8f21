package auditmode

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/retry"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	"github.com/securityprofiles/operator/daemon/seccomp"
)

// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=seccompprofiles,verbs=get;list;watch
// +kubebuilder:rbac:groups=security-profiles-operator.x-k8s.io,resources=seccompprofiles/status,verbs=get;update
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// DefaultInterval is how often gathered calls are written.
const DefaultInterval = 2 * time.Second

// ReasonAuditedSyscall is the Event reason for a call a profile would
// have blocked, seen for the first time for an image.
const ReasonAuditedSyscall = "AuditedSyscall"

// maxPendingPerProfile bounds the calls held for one profile between
// writes; more distinct (image, syscall) pairs than the status can list
// would be dropped by the write anyway.
const maxPendingPerProfile = seccompprofilev1beta1.MaxAuditedSyscalls

// Call is one call a profile would have blocked.
type Call struct {
	// Profile is the SeccompProfile whose audit copy the container runs.
	Profile types.NamespacedName
	// Image is the container's image as its pod names it.
	Image string
	// Syscall is the call's name.
	Syscall string
	// Namespace, Pod and Container name where it was made, for the Event.
	Namespace, Pod, Container string
	// At is when the record was read.
	At time.Time
}

type entryKey struct{ image, syscall string }

// pending is what one node saw of an entry since the last write.
type pending struct {
	count       int64
	first, last time.Time
	// where names the first container seen making the call.
	where string
}

// Collector gathers Calls and writes them to the profiles' status. Add
// is safe for concurrent use and never blocks on the API server.
type Collector struct {
	// Reader reads profiles uncached (the log enricher does not cache
	// every profile of the cluster); Client writes their status.
	Reader   client.Reader
	Client   client.Client
	Events   events.EventRecorder
	NodeName string
	// Interval between writes; DefaultInterval when zero.
	Interval time.Duration
	// Resolve, when set, lets calls of containers not known yet count
	// once they are (see AddUnresolved).
	Resolve Resolve

	mu         sync.Mutex
	pending    map[types.NamespacedName]map[entryKey]*pending
	dropped    map[types.NamespacedName]int64
	unresolved map[unresolvedKey]*unresolvedCalls
}

// Add records one call.
func (c *Collector) Add(call Call) {
	registerMetrics()
	auditModeCalls.WithLabelValues(c.NodeName, call.Profile.Namespace, call.Profile.Name, call.Syscall).Inc()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.addLocked(call, 1, call.At, call.At)
}

// addLocked adds count calls seen between first and last. Called with
// c.mu held.
func (c *Collector) addLocked(call Call, count int64, first, last time.Time) {
	if c.pending == nil {
		c.pending = map[types.NamespacedName]map[entryKey]*pending{}
		c.dropped = map[types.NamespacedName]int64{}
	}
	byEntry := c.pending[call.Profile]
	if byEntry == nil {
		byEntry = map[entryKey]*pending{}
		c.pending[call.Profile] = byEntry
	}
	k := entryKey{call.Image, call.Syscall}
	p := byEntry[k]
	if p == nil {
		if len(byEntry) >= maxPendingPerProfile {
			c.dropped[call.Profile] += count
			return
		}
		p = &pending{first: first, where: fmt.Sprintf("container %s of pod %s/%s", call.Container, call.Namespace, call.Pod)}
		byEntry[k] = p
	}
	p.count += count
	if first.Before(p.first) {
		p.first = first
	}
	if last.After(p.last) {
		p.last = last
	}
}

// Run writes gathered calls every Interval until ctx ends, then once
// more, so a clean shutdown loses nothing it had written down.
func (c *Collector) Run(ctx context.Context) error {
	interval := c.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			c.Flush(final)
			cancel()
			return nil
		case <-t.C:
			c.Flush(ctx)
		}
	}
}

// Flush writes every profile's gathered calls. A profile whose write
// fails keeps its calls for the next Flush; a deleted one drops them.
func (c *Collector) Flush(ctx context.Context) {
	registerMetrics()
	c.mu.Lock()
	if c.Resolve != nil {
		c.resolveWaiting(time.Now())
	}
	batch, dropped := c.pending, c.dropped
	c.pending, c.dropped = nil, nil
	c.mu.Unlock()
	for key, entries := range batch {
		err := c.write(ctx, key, entries, dropped[key])
		if err == nil || apierrors.IsNotFound(err) {
			continue
		}
		seccomp.CountUpdateError()
		ctrl.LoggerFrom(ctx).Error(err, "Cannot write audited syscalls; keeping them for the next try", "profile", key)
		c.requeue(key, entries, dropped[key])
	}
}

// requeue puts back calls a failed write did not store, merged with any
// gathered since.
func (c *Collector) requeue(key types.NamespacedName, entries map[entryKey]*pending, dropped int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending == nil {
		c.pending = map[types.NamespacedName]map[entryKey]*pending{}
		c.dropped = map[types.NamespacedName]int64{}
	}
	c.dropped[key] += dropped
	now := c.pending[key]
	if now == nil {
		c.pending[key] = entries
		return
	}
	for k, old := range entries {
		if p := now[k]; p != nil {
			p.count += old.count
			p.first = old.first
			p.where = old.where
		} else {
			now[k] = old
		}
	}
}

// write adds one profile's gathered calls to its status, retrying on
// conflicts with other nodes' writes and the manager's.
func (c *Collector) write(ctx context.Context, key types.NamespacedName, entries map[entryKey]*pending, dropped int64) error {
	var fresh []entryKey
	var sp *seccompprofilev1beta1.SeccompProfile
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		sp = &seccompprofilev1beta1.SeccompProfile{}
		if err := c.Reader.Get(ctx, key, sp); err != nil {
			return err
		}
		fresh = merge(&sp.Status, entries, dropped)
		return c.Client.Status().Update(ctx, sp)
	})
	if err != nil {
		return err
	}
	if c.Events != nil {
		for _, k := range fresh {
			p := entries[k]
			c.Events.Eventf(sp, nil, corev1.EventTypeWarning, ReasonAuditedSyscall, "Audit",
				"Audit mode: %s (image %s) called %s on node %s, which this profile would block", p.where, k.image, k.syscall, c.NodeName)
		}
	}
	return nil
}

// merge adds entries to status and returns those it listed for the first
// time, sorted. Entries beyond the list's bound are counted as dropped.
func merge(status *seccompprofilev1beta1.SeccompProfileStatus, entries map[entryKey]*pending, dropped int64) []entryKey {
	keys := make([]entryKey, 0, len(entries))
	for k := range entries {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareKeys)
	var fresh []entryKey
	status.AuditedSyscallsDropped += dropped
	for _, k := range keys {
		p := entries[k]
		i := slices.IndexFunc(status.AuditedSyscalls, func(a seccompprofilev1beta1.AuditedSyscall) bool {
			return a.Image == k.image && a.Syscall == k.syscall
		})
		if i >= 0 {
			a := &status.AuditedSyscalls[i]
			a.Count += p.count
			if p.first.Before(a.FirstSeen.Time) {
				a.FirstSeen = metav1.NewTime(p.first)
			}
			if p.last.After(a.LastSeen.Time) {
				a.LastSeen = metav1.NewTime(p.last)
			}
			continue
		}
		if len(status.AuditedSyscalls) >= seccompprofilev1beta1.MaxAuditedSyscalls {
			status.AuditedSyscallsDropped += p.count
			continue
		}
		status.AuditedSyscalls = append(status.AuditedSyscalls, seccompprofilev1beta1.AuditedSyscall{
			Image: k.image, Syscall: k.syscall, Count: p.count,
			FirstSeen: metav1.NewTime(p.first), LastSeen: metav1.NewTime(p.last),
		})
		fresh = append(fresh, k)
	}
	slices.SortFunc(status.AuditedSyscalls, func(a, b seccompprofilev1beta1.AuditedSyscall) int {
		return compareKeys(entryKey{a.Image, a.Syscall}, entryKey{b.Image, b.Syscall})
	})
	return fresh
}

func compareKeys(a, b entryKey) int {
	if c := strings.Compare(a.image, b.image); c != 0 {
		return c
	}
	return strings.Compare(a.syscall, b.syscall)
}
