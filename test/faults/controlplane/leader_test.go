package controlplanefaults

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"

	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
)

// The failover burst. Before the fault the leader has installed the
// first failoverConverged profiles (both nodes reported) and marked the
// next ones up to failoverCreated Pending (the second node's daemon lags).
// The leader is killed while the rest are being created and the lagging
// node catches up; most of that lands while no replica leads.
const (
	failoverProfiles  = 100
	failoverConverged = 20
	failoverCreated   = 40
	// killAfter is how many of the remaining profiles are created before
	// the kill, so the leader dies with work in its queue.
	killAfter = 5
)

func (c *cluster) testLeaderFailover(t *testing.T) {
	g := NewWithT(t)
	ctx := t.Context()
	ns := c.newNamespace(t, "failover")
	hist := c.watchProfiles(t, ns)
	replicas := c.startReplicas(t, g)
	profiles := c.startBurst(t, g, ns)

	progress, done := make(chan int, failoverProfiles), make(chan error, 1)
	go func() { done <- c.finishBurst(ctx, profiles, progress) }()
	awaitProgress(t, progress, done, killAfter)
	leader, transitions, err := c.leaseHolder(ctx)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(replicas).To(HaveKey(leader))
	states, _, err := c.profileStates(ctx, ns)
	g.Expect(err).NotTo(HaveOccurred())
	replicas[leader].kill(t)
	delete(replicas, leader)
	var survivor string
	for survivor = range replicas {
	}

	g.Eventually(func() (string, error) { h, _, err := c.leaseHolder(ctx); return h, err }, convergeTimeout).Should(Equal(survivor))
	g.Expect(<-done).To(Succeed())
	g.Eventually(hist.installed, convergeTimeout).Should(HaveLen(failoverProfiles), "the watch saw every profile reach Installed")
	_, newTransitions, err := c.leaseHolder(ctx)
	g.Expect(err).NotTo(HaveOccurred())
	t.Logf("faults injected: 1 (SIGKILL of leader %s; %s took the lease over, leaseTransitions %d -> %d)",
		leader, survivor, transitions, newTransitions)
	t.Logf("in flight when injected: %d profiles not yet Installed, %d still to be created (of %d)",
		len(states)-countIn(states, profilebasev1alpha1.StateInstalled), failoverProfiles-len(states), failoverProfiles)
	final, _, err := c.profileStates(ctx, ns)
	g.Expect(err).NotTo(HaveOccurred())
	t.Logf("objects lost: %d of %d profiles missing or not Installed", failoverProfiles-countIn(final, profilebasev1alpha1.StateInstalled), failoverProfiles)
	g.Expect(countIn(final, profilebasev1alpha1.StateInstalled)).To(Equal(failoverProfiles), "every profile exists and is Installed")
	c.expectEachOnce(t, g, ns, hist)
	g.Expect(replicas[survivor].running()).To(BeTrue(), "the new leader must keep running")
}

// startReplicas starts replica mgr-a and waits until it leads, then
// mgr-b and waits until it contends for the lease: the replica that did
// the work is the one that dies.
func (c *cluster) startReplicas(t *testing.T, g Gomega) map[string]*manager {
	a := c.startManager(t, "mgr-a", true)
	g.Eventually(func() (string, error) { h, _, err := c.leaseHolder(t.Context()); return h, err }, convergeTimeout).
		Should(Equal("mgr-a"), func() string { return tail(a.out.String(), 20) })
	b := c.startManager(t, "mgr-b", true)
	g.Eventually(b.out.String, convergeTimeout).Should(ContainSubstring("acquire leader lease"))
	return map[string]*manager{"mgr-a": a, "mgr-b": b}
}

// startBurst creates the first failoverCreated profiles, has the nodes
// report them (the second only the first failoverConverged), and waits
// for the leader to have set their states. It returns the slice every
// profile of the burst goes into.
func (c *cluster) startBurst(t *testing.T, g Gomega, ns string) []*seccompprofilev1beta1.SeccompProfile {
	ctx := t.Context()
	profiles := make([]*seccompprofilev1beta1.SeccompProfile, failoverProfiles)
	for i := range failoverCreated {
		profiles[i] = newProfile(ns, i)
		g.Expect(c.env.Client.Create(ctx, profiles[i])).To(Succeed())
		g.Expect(reportInstalled(ctx, c.daemons[0], profiles[i])).To(Succeed())
		if i < failoverConverged {
			g.Expect(reportInstalled(ctx, c.daemons[1], profiles[i])).To(Succeed())
		}
	}
	g.Eventually(func(g Gomega) {
		states, _, err := c.profileStates(ctx, ns)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(countIn(states, profilebasev1alpha1.StateInstalled)).To(Equal(failoverConverged))
		g.Expect(countIn(states, profilebasev1alpha1.StatePending)).To(Equal(failoverCreated - failoverConverged))
	}, convergeTimeout).Should(Succeed())
	return profiles
}

// finishBurst has the lagging node report the Pending profiles and
// creates the remaining ones, sending how many it created after each.
func (c *cluster) finishBurst(ctx context.Context, profiles []*seccompprofilev1beta1.SeccompProfile, progress chan<- int) error {
	for i := failoverCreated; i < failoverProfiles; i++ {
		profiles[i] = newProfile(profiles[0].Namespace, i)
		if err := c.env.Client.Create(ctx, profiles[i]); err != nil {
			return err
		}
		for _, d := range c.daemons {
			if err := reportInstalled(ctx, d, profiles[i]); err != nil {
				return err
			}
		}
		if lagging := failoverConverged + i - failoverCreated; lagging < failoverCreated {
			if err := reportInstalled(ctx, c.daemons[1], profiles[lagging]); err != nil {
				return err
			}
		}
		progress <- i - failoverCreated + 1
	}
	return nil
}
