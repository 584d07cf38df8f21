package controlplanefaults

import (
	"context"
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
)

// restartGrace is how long the stopping API server may take before it is
// killed; the kubelet allows it 30 s, which would only make the test
// slower: it closes its listener at once either way.
const restartGrace = 2 * time.Second

// outcome is the profiles of a namespace measured against a churn.
type outcome struct {
	installed, missing, deletedLeft int
	notInstalled, stuck             []string
}

func (c *cluster) testAPIServerRestart(t *testing.T) {
	g := NewWithT(t)
	ctx := t.Context()
	ns := c.newNamespace(t, "restart")
	// Without leader election: the fault under test is the API server's.
	// With it, an outage longer than the lease's renew deadline ends the
	// process, which a Deployment restarts; that is not this fault.
	mgr := c.startManager(t, "mgr-c", false)
	hist := c.watchProfiles(t, ns)
	// The churn starts once the manager handles profiles, so it holds the
	// ones deleted early with its finalizer too.
	g.Eventually(func() bool { return mgr.logged("Starting workers", "controller", "seccompprofile") }, convergeTimeout).Should(BeTrue())

	batches, burstAt, faultAt := churnSchedule()
	progress, done, resume := make(chan int, len(batches)), make(chan churnResult, 1), make(chan struct{})
	go func() { done <- c.churn(ctx, ns, batches, progress, map[int]<-chan struct{}{burstAt: resume}) }()
	awaitProgress(t, progress, done, burstAt)
	// The bursts start once the manager has caught up (every profile
	// Pending, as the second node has not reported; the deleted ones
	// gone), so the restart hits the work they give it, not a backlog.
	g.Eventually(func(g Gomega) {
		states, _, err := c.profileStates(ctx, ns)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(countIn(states, profilebasev1alpha1.StatePending)).To(Equal(len(states)))
		g.Expect(states).To(HaveLen(restartProfiles/2 - countDoomed(0, restartProfiles/4)))
	}, convergeTimeout).Should(Succeed())
	close(resume)
	awaitProgress(t, progress, done, faultAt)
	states, deleting, err := c.profileStates(ctx, ns)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(c.env.RestartAPIServer(c.certDir, restartGrace)).To(Succeed())
	res := <-done
	g.Expect(res.err).NotTo(HaveOccurred())

	t.Logf("faults injected: 1 (kube-apiserver stopped and started again, etcd kept); %d client operations failed and were retried", res.retried)
	t.Logf("in flight when injected: %d profiles, %d of them not yet Installed and %d deleted but not yet released; %d of %d churn batches to come",
		len(states), len(states)-countIn(states, profilebasev1alpha1.StateInstalled), len(deleting), len(batches)-faultAt, len(batches))
	c.expectChurnConverged(t, g, ns, res, hist)
	g.Expect(mgr.running()).To(BeTrue(), "the manager must outlive an API server restart")
}

// expectChurnConverged waits until every kept profile of ns is Installed
// and every deleted one gone, then checks nothing was lost or done twice.
func (c *cluster) expectChurnConverged(t *testing.T, g Gomega, ns string, res churnResult, hist *history) {
	var last outcome
	g.Eventually(func(g Gomega) {
		var err error
		last, err = c.measure(t.Context(), ns, res)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(last.notInstalled).To(BeEmpty(), "kept profiles not Installed")
		g.Expect(last.stuck).To(BeEmpty(), "profiles stuck in deletion")
		g.Expect(last.deletedLeft).To(BeZero(), "deleted profiles still there")
	}, convergeTimeout).Should(Succeed())
	t.Logf("profiles: %d kept and Installed, %d deleted and gone (%d of them held by the manager's finalizer first); stuck in deletion: %d; objects lost: %d",
		last.installed, len(res.deleted)-last.deletedLeft, hist.seen(res.deleted), len(last.stuck), last.missing)
	g.Expect(last.missing).To(BeZero(), "kept profiles lost")
	g.Eventually(hist.installed, convergeTimeout).Should(ContainElements(res.kept), "the watch saw every kept profile reach Installed")
	c.expectEachOnce(t, g, ns, hist)
}

// measure compares the profiles of ns with what the churn left.
func (c *cluster) measure(ctx context.Context, ns string, res churnResult) (outcome, error) {
	states, stuck, err := c.profileStates(ctx, ns)
	if err != nil {
		return outcome{}, err
	}
	o := outcome{stuck: stuck}
	for _, name := range res.kept {
		switch st, ok := states[name]; {
		case !ok:
			o.missing++
		case st == profilebasev1alpha1.StateInstalled:
			o.installed++
		default:
			o.notInstalled = append(o.notInstalled, fmt.Sprintf("%s: %q", name, st))
		}
	}
	for _, name := range res.deleted {
		if _, ok := states[name]; ok {
			o.deletedLeft++
		}
	}
	return o, nil
}
