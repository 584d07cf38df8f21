package nodestatus_test

import (
	"context"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/securityprofiles/operator/daemon/nodestatus"
)

// slowWrites is a client whose creates and updates take at least delay,
// recording when each started and ended.
type slowWrites struct {
	delay        time.Duration
	mu           sync.Mutex
	starts, ends []time.Time
}

func (s *slowWrites) do(write func() error) error {
	s.mu.Lock()
	s.starts = append(s.starts, time.Now())
	s.mu.Unlock()
	time.Sleep(s.delay)
	err := write()
	s.mu.Lock()
	s.ends = append(s.ends, time.Now())
	s.mu.Unlock()
	return err
}

func (s *slowWrites) times() (starts, ends []time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.starts...), append([]time.Time(nil), s.ends...)
}

// startSlowWriter starts a writer for node whose creates and updates take
// at least delay; it stops when the spec ends.
func startSlowWriter(node string, delay time.Duration) (*slowWrites, *nodestatus.Writer) {
	wc, err := client.NewWithWatch(env.Config, client.Options{Scheme: env.Scheme})
	Expect(err).NotTo(HaveOccurred())
	slow := &slowWrites{delay: delay}
	c := interceptor.NewClient(wc, interceptor.Funcs{
		Create: func(ctx context.Context, cl client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
			return slow.do(func() error { return cl.Create(ctx, obj, opts...) })
		},
		Update: func(ctx context.Context, cl client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			return slow.do(func() error { return cl.Update(ctx, obj, opts...) })
		},
	})
	w := nodestatus.NewWriter(c, env.Client, node)
	run, cancel := context.WithCancel(ctx())
	DeferCleanup(cancel)
	go func() { _ = w.Start(run) }()
	return slow, w
}

var _ = Describe("Writer spacing", func() {
	It("waits as long as a namespace's write took before its next one, and sends what came meanwhile together", func() {
		node, ns := fixture()
		slow, w := startSlowWriter(node.Name, 400*time.Millisecond)

		Expect(w.Set(ctx(), profile(ns, "a"), "SeccompProfile", installed)).To(BeTrue())
		Eventually(func() int { s, _ := slow.times(); return len(s) }, timeout).Should(Equal(1))
		// While the first write is in flight, and after it.
		Expect(w.Set(ctx(), profile(ns, "b"), "SeccompProfile", installed)).To(BeTrue())
		Eventually(func() int { _, e := slow.times(); return len(e) }, timeout).Should(Equal(1))
		Expect(w.Set(ctx(), profile(ns, "c"), "SeccompProfile", installed)).To(BeTrue())

		Eventually(func() int { _, e := slow.times(); return len(e) }, timeout).Should(Equal(2))
		Consistently(func() int { s, _ := slow.times(); return len(s) }, "600ms").Should(Equal(2), "b and c in one write")
		starts, ends := slow.times()
		took := ends[0].Sub(starts[0])
		Expect(starts[1].Sub(ends[0])).To(BeNumerically(">=", took-20*time.Millisecond),
			"the second write waited as long as the first took (%v)", took)
		Expect(starts[1].Sub(ends[0])).To(BeNumerically("<", 2*took),
			"a write of one change is not held back as in a burst")
		obj, err := status(ns, node.Name)
		Expect(err).NotTo(HaveOccurred())
		Expect(obj.Installed).To(HaveLen(3))
	})

	It("waits three times as long after a write that carried several changes", func() {
		node, ns := fixture()
		slow, w := startSlowWriter(node.Name, 200*time.Millisecond)

		Expect(w.Set(ctx(), profile(ns, "a"), "SeccompProfile", installed)).To(BeTrue())
		Eventually(func() int { s, _ := slow.times(); return len(s) }, timeout).Should(Equal(1))
		// A burst: two changes while the first write is in flight go out
		// together in the second...
		Expect(w.Set(ctx(), profile(ns, "b"), "SeccompProfile", installed)).To(BeTrue())
		Expect(w.Set(ctx(), profile(ns, "c"), "SeccompProfile", installed)).To(BeTrue())
		Eventually(func() int { s, _ := slow.times(); return len(s) }, timeout).Should(Equal(2))
		// ...and one made while that one is in flight waits three times as
		// long as it took.
		Expect(w.Set(ctx(), profile(ns, "d"), "SeccompProfile", installed)).To(BeTrue())
		Eventually(func() int { _, e := slow.times(); return len(e) }, timeout).Should(Equal(3))
		starts, ends := slow.times()
		took := ends[1].Sub(starts[1])
		Expect(starts[2].Sub(ends[1])).To(BeNumerically(">=", 3*took-20*time.Millisecond),
			"the third write waited three times as long as the second took (%v)", took)
		obj, err := status(ns, node.Name)
		Expect(err).NotTo(HaveOccurred())
		Expect(obj.Installed).To(HaveLen(4))
	})

	It("looks again at once for a namespace whose wait ended while it was looking", func() {
		node, ns := fixture()
		w := nodestatus.NewWriter(env.Client, env.Client, node.Name)
		Expect(w.Set(ctx(), profile(ns, "a"), "SeccompProfile", installed)).To(BeTrue())
		// Not written yet, and its wait over: Start must not sleep until
		// the next change, which may never come.
		w.DirtyDueAt(ns, time.Now().Add(-time.Millisecond))
		Expect(w.NextRetry()).To(BeNumerically(">", 0))
		Expect(w.NextRetry()).To(BeNumerically("<", time.Millisecond))
		w.DirtyDueAt(ns, time.Now().Add(time.Second))
		Expect(w.NextRetry()).To(BeNumerically("~", time.Second, 100*time.Millisecond))
	})
})
