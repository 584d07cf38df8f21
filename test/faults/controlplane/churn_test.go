package controlplanefaults

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"sigs.k8s.io/controller-runtime/pkg/client"

	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
)

// The restart churn on restartProfiles profiles. Before the fault the
// first half is created and reported by the first node, and the doomed
// ones of its first quarter deleted (their second node never reported:
// deletion waits for no daemon). Then the second node reports the second
// quarter, and its doomed ones are deleted, each in one burst, so the
// restart hits the manager while it works through them. After the
// restart the second node reports the first quarter, and the second half
// is created and reported by both nodes; its doomed ones are deleted
// removeLag creations later, which gives the manager time to hold them
// with its finalizer.
const (
	restartProfiles = 60
	removeLag       = 5
)

func doomed(i int) bool { return i%3 == 0 }

// countDoomed counts the doomed profiles in [from, to).
func countDoomed(from, to int) int {
	n := 0
	for i := from; i < to; i++ {
		if doomed(i) {
			n++
		}
	}
	return n
}

// step is one operation of the churn on profile i.
type step struct {
	op   stepOp
	i    int
	node int
}

type stepOp int

const (
	create stepOp = iota
	report
	remove
)

// churnSchedule lists the churn's batches, whose steps run at once, how
// many come before the bursts and how many before the fault.
func churnSchedule() (batches [][]step, burstAt, faultAt int) {
	half, quarter := restartProfiles/2, restartProfiles/4
	one := func(s ...step) {
		for _, x := range s {
			batches = append(batches, []step{x})
		}
	}
	burst := func(op stepOp, node, from, to int, only func(int) bool) {
		var b []step
		for i := from; i < to; i++ {
			if only(i) {
				b = append(b, step{op: op, i: i, node: node})
			}
		}
		batches = append(batches, b)
	}
	all := func(int) bool { return true }
	kept := func(i int) bool { return !doomed(i) }
	for i := range half {
		one(step{op: create, i: i}, step{op: report, i: i})
	}
	for i := range quarter {
		if doomed(i) {
			one(step{op: remove, i: i})
		}
	}
	burstAt = len(batches)
	burst(report, 1, quarter, half, all)
	burst(remove, 0, quarter, half, doomed)
	faultAt = len(batches)
	burst(report, 1, 0, quarter, kept)
	for i := half; i < restartProfiles+removeLag; i++ {
		if i < restartProfiles {
			one(step{op: create, i: i}, step{op: report, i: i}, step{op: report, i: i, node: 1})
		}
		if late := i - removeLag; late >= half && doomed(late) {
			one(step{op: remove, i: late})
		}
	}
	return batches, burstAt, faultAt
}

// churnResult is what the churn did.
type churnResult struct {
	kept, deleted []string
	// retried counts operations that failed at least once (the outage)
	// and were tried again.
	retried int
	err     error
}

// churn takes the batches, retrying each step until it took effect, and
// sends how many batches it took after each. A batch with a gate waits
// for it to close.
func (c *cluster) churn(ctx context.Context, ns string, batches [][]step, progress chan<- int, gates map[int]<-chan struct{}) (res churnResult) {
	profiles := make([]*seccompprofilev1beta1.SeccompProfile, restartProfiles)
	var mu sync.Mutex
	for n, b := range batches {
		if gate, ok := gates[n]; ok {
			select {
			case <-gate:
			case <-ctx.Done():
				res.err = ctx.Err()
				return res
			}
		}
		var wg sync.WaitGroup
		for _, s := range b {
			wg.Go(func() {
				attempts, err := retry(ctx, c.call(ns, s, profiles), okFor(s.op))
				mu.Lock()
				defer mu.Unlock()
				if attempts > 1 {
					res.retried++
				}
				if err != nil {
					res.err = errors.Join(res.err, fmt.Errorf("step %+v: %w", s, err))
				}
				if s.op == remove {
					res.deleted = append(res.deleted, profileName(s.i))
				}
			})
		}
		wg.Wait()
		if res.err != nil {
			return res
		}
		progress <- n + 1
	}
	for i := range restartProfiles {
		if !doomed(i) {
			res.kept = append(res.kept, profileName(i))
		}
	}
	return res
}

// call is the client call of one step. profiles holds the profiles
// created so far, as read back after their creation.
func (c *cluster) call(ns string, s step, profiles []*seccompprofilev1beta1.SeccompProfile) func(context.Context) error {
	switch s.op {
	case create:
		sp := newProfile(ns, s.i)
		profiles[s.i] = sp
		// A create whose answer the outage lost has happened; either way,
		// read the profile back for the UID the node statuses are owned
		// through.
		return func(ctx context.Context) error {
			if err := c.env.Client.Create(ctx, sp.DeepCopy()); client.IgnoreAlreadyExists(err) != nil {
				return err
			}
			return c.env.Client.Get(ctx, client.ObjectKeyFromObject(sp), sp)
		}
	case report:
		return func(ctx context.Context) error { return reportInstalled(ctx, c.daemons[s.node], profiles[s.i]) }
	default:
		return func(ctx context.Context) error { return c.env.Client.Delete(ctx, profiles[s.i]) }
	}
}

// okFor says which errors mean a step already took effect: a deletion
// whose answer the outage lost finds nothing to delete.
func okFor(op stepOp) func(error) bool {
	if op == remove {
		return notFound
	}
	return never
}
