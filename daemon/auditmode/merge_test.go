package auditmode

import (
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	dto "github.com/prometheus/client_model/go"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
)

func TestMergeAddsCountsAndWidensSightings(t *testing.T) {
	g := NewWithT(t)
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	status := &seccompprofilev1beta1.SeccompProfileStatus{AuditedSyscalls: []seccompprofilev1beta1.AuditedSyscall{
		{Image: "b", Syscall: "mkdir", Count: 2, FirstSeen: metav1.NewTime(t0), LastSeen: metav1.NewTime(t0.Add(time.Minute))},
	}}
	fresh := merge(status, map[entryKey]*pending{
		{"b", "mkdir"}: {count: 3, first: t0.Add(-time.Second), last: t0.Add(2 * time.Minute)},
		{"a", "mount"}: {count: 1, first: t0, last: t0},
	}, 4)
	g.Expect(fresh).To(Equal([]entryKey{{"a", "mount"}}), "only the new entry gets an Event")
	g.Expect(status.AuditedSyscalls).To(Equal([]seccompprofilev1beta1.AuditedSyscall{
		{Image: "a", Syscall: "mount", Count: 1, FirstSeen: metav1.NewTime(t0), LastSeen: metav1.NewTime(t0)},
		{Image: "b", Syscall: "mkdir", Count: 5, FirstSeen: metav1.NewTime(t0.Add(-time.Second)), LastSeen: metav1.NewTime(t0.Add(2 * time.Minute))},
	}))
	g.Expect(status.AuditedSyscallsDropped).To(BeEquivalentTo(4))
}

func TestMergeStopsAtTheListBound(t *testing.T) {
	g := NewWithT(t)
	status := &seccompprofilev1beta1.SeccompProfileStatus{}
	entries := map[entryKey]*pending{}
	for i := range seccompprofilev1beta1.MaxAuditedSyscalls + 3 {
		entries[entryKey{"img", fmt.Sprintf("s%03d", i)}] = &pending{count: 2}
	}
	fresh := merge(status, entries, 0)
	g.Expect(status.AuditedSyscalls).To(HaveLen(seccompprofilev1beta1.MaxAuditedSyscalls))
	g.Expect(fresh).To(HaveLen(seccompprofilev1beta1.MaxAuditedSyscalls))
	g.Expect(status.AuditedSyscallsDropped).To(BeEquivalentTo(6), "three entries of two calls each did not fit")
}

func TestAddBoundsPendingEntriesPerProfile(t *testing.T) {
	g := NewWithT(t)
	c := &Collector{NodeName: "n"}
	for i := range maxPendingPerProfile + 5 {
		c.Add(Call{Image: "img", Syscall: fmt.Sprintf("s%d", i), At: time.Now()})
	}
	for _, entries := range c.pending {
		g.Expect(entries).To(HaveLen(maxPendingPerProfile))
	}
	for _, d := range c.dropped {
		g.Expect(d).To(BeEquivalentTo(5))
	}
}

func TestUnresolvedCallsCountOnceTheContainerIsKnown(t *testing.T) {
	g := NewWithT(t)
	known := map[string]Call{}
	c := &Collector{NodeName: "n", Resolve: func(id string) (Call, bool) { call, ok := known[id]; return call, ok }}
	t0 := time.Now()
	c.AddUnresolved("audited", "mkdir", t0)
	c.AddUnresolved("audited", "mkdir", t0.Add(time.Second))
	c.AddUnresolved("enforced", "mkdir", t0)
	c.AddUnresolved("stranger", "mkdir", t0.Add(-2*unresolvedTTL))
	c.mu.Lock()
	c.resolveWaiting(t0)
	c.mu.Unlock()
	g.Expect(c.pending).To(BeEmpty(), "nothing is known yet")
	g.Expect(c.unresolved).To(HaveLen(2), "the stranger waited too long")

	profile := Call{Image: "img", Namespace: "ns", Pod: "p", Container: "c"}
	profile.Profile.Namespace, profile.Profile.Name = "ns", "prof"
	known["audited"], known["enforced"] = profile, Call{}
	c.mu.Lock()
	c.resolveWaiting(t0)
	c.mu.Unlock()
	g.Expect(c.unresolved).To(BeEmpty())
	p := c.pending[profile.Profile][entryKey{"img", "mkdir"}]
	g.Expect(p).NotTo(BeNil())
	g.Expect(p.count).To(BeEquivalentTo(2))
	g.Expect(p.first).To(Equal(t0))
	g.Expect(p.last).To(Equal(t0.Add(time.Second)))
	g.Expect(c.pending).To(HaveLen(1), "the enforced container's call is not an audit finding")
}

func TestAddCountsCallsPerProfileAndSyscall(t *testing.T) {
	g := NewWithT(t)
	c := &Collector{NodeName: "node-m"}
	call := Call{Image: "img", Syscall: "mkdir", At: time.Now()}
	call.Profile.Namespace, call.Profile.Name = "ns-m", "prof"
	series := auditModeCalls.WithLabelValues("node-m", "ns-m", "prof", "mkdir")
	before := counterValue(g, series)
	c.Add(call)
	c.Add(call)
	g.Expect(counterValue(g, series) - before).To(BeEquivalentTo(2))

	// Calls resolved late count once they are known, as many as waited.
	c.Resolve = func(string) (Call, bool) { return call, true }
	c.AddUnresolved("early", "mkdir", time.Now())
	c.mu.Lock()
	c.resolveWaiting(time.Now())
	c.mu.Unlock()
	g.Expect(counterValue(g, series) - before).To(BeEquivalentTo(3))
}

func counterValue(g Gomega, c interface{ Write(*dto.Metric) error }) float64 {
	m := &dto.Metric{}
	g.Expect(c.Write(m)).To(Succeed())
	return m.GetCounter().GetValue()
}
