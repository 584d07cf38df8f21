package metricsserving

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus"
)

func TestSidecarMetricsReachTheDaemonsGatherer(t *testing.T) {
	g := NewWithT(t)
	dir := t.TempDir()
	reg := prometheus.NewRegistry()
	ours := prometheus.NewCounter(prometheus.CounterOpts{Name: SidecarPrefix + "test_total", Help: "x"})
	theirs := prometheus.NewCounter(prometheus.CounterOpts{Name: "go_test_total", Help: "x"})
	reg.MustRegister(ours, theirs)
	ours.Add(3)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- ServeSidecar(ctx, filepath.Join(dir, "enricher.sock"), reg) }()

	gatherer := SidecarGatherer{Dir: dir}
	g.Eventually(func() (int, error) {
		fams, err := gatherer.Gather()
		return len(fams), err
	}).WithTimeout(5 * time.Second).Should(Equal(1))
	fams, err := gatherer.Gather()
	g.Expect(err).NotTo(HaveOccurred())
	// Only the operator's families: the sidecar's runtime metrics would
	// collide with the daemon's own.
	g.Expect(fams[0].GetName()).To(Equal(SidecarPrefix + "test_total"))
	g.Expect(fams[0].GetMetric()[0].GetCounter().GetValue()).To(Equal(3.0))

	// Merged with the daemon's registry, as /metrics-spod serves it.
	daemon := prometheus.NewRegistry()
	daemon.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: SidecarPrefix + "daemon_total", Help: "x"}))
	all, err := prometheus.Gatherers{daemon, gatherer}.Gather()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(all).To(HaveLen(2))

	cancel()
	g.Eventually(done).WithTimeout(5 * time.Second).Should(Receive(BeNil()))
	// A sidecar that is gone adds nothing and breaks nothing.
	fams, err = gatherer.Gather()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(fams).To(BeEmpty())
}
