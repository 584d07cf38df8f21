package webhookfaults

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	spodv1alpha1 "github.com/securityprofiles/operator/apis/spod/v1alpha1"
	"github.com/securityprofiles/operator/internal/webhookconfig"
	"github.com/securityprofiles/operator/test/buildtest"
	"github.com/securityprofiles/operator/test/envtest"
)

// Liveness bounds: the API server picks up configuration changes and the
// webhook's cache syncs in well under a second, but CI machines are shared.
const (
	timeout  = 30 * time.Second
	interval = 100 * time.Millisecond
)

// Bounds of the creation loop: creations per namespace answered before
// the kill, and sent after the process is gone, before the loop stops;
// and a cap per namespace so the loop ends even if the fault never bites.
const (
	wantBefore  = 2
	wantDown    = 5
	maxAttempts = 200
	// perPhase pods per namespace after the policy switch and the restart.
	perPhase = 3
)

// TestWebhookDownFollowsFailurePolicy SIGKILLs the real webhook binary
// while pods are created in a binding-labelled, a recording-labelled and
// an unlabelled namespace, and checks each creation against the
// failurePolicy, then switches binding.spo.io to Ignore, then restarts
// the webhook.
func TestWebhookDownFollowsFailurePolicy(t *testing.T) {
	g := NewWithT(t)
	bin := buildtest.Build(t, "./cmd/webhook")
	env, err := envtest.Start()
	g.Expect(err).NotTo(HaveOccurred())
	t.Cleanup(func() { _ = env.Stop() })
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	g.Expect(env.Kubeconfig(kubeconfig)).To(Succeed())
	ctx, c := t.Context(), env.Client

	wh, ca := newWebhookProcess(t, bin, kubeconfig)
	cc := webhookconfig.ClientConfig{URL: wh.url(), CABundle: ca}
	g.Expect(c.Create(ctx, webhookconfig.Build(cc, nil, webhookconfig.Scope{}))).To(Succeed())
	fixtures := []fixture{newFixture(ctx, t, c, bindingNS), newFixture(ctx, t, c, recordingNS), newFixture(ctx, t, c, plainNS)}
	wh.start(t)
	waitUntilBound(ctx, g, c, fixtures[0])

	l := &ledger{}
	killDuringCreates(ctx, t, c, l, fixtures, wh)
	for _, a := range l.all() {
		if v := failVerdict(a); v != "" {
			t.Errorf("%s/%s (epochs %d→%d), failurePolicy Fail: %s", a.fixture.kind, a.name, a.startEpoch, a.endEpoch, v)
		}
	}
	logRefusals(t, l.all())

	// binding.spo.io to Ignore, as spod's webhookOptions would set it;
	// recording.spo.io keeps its default Fail.
	ignore := admissionregistrationv1.Ignore
	opts := []spodv1alpha1.WebhookOptions{{Name: spodv1alpha1.BindingWebhookName, FailurePolicy: &ignore}}
	g.Expect(updateConfiguration(ctx, c, webhookconfig.Build(cc, opts, webhookconfig.Scope{}))).To(Succeed())
	waitUntilAdmitted(ctx, g, c, fixtures[0])
	for _, a := range createEach(ctx, c, l, fixtures, phaseIgnore, epochDown) {
		v := admittedVerdict(a, false)
		if a.fixture.kind == recordingNS {
			v = refusal(a.err, spodv1alpha1.RecordingWebhookName, true)
		}
		if v != "" {
			t.Errorf("%s/%s, binding.spo.io Ignore: %s", a.fixture.kind, a.name, v)
		}
	}

	wh.start(t)
	waitUntilBound(ctx, g, c, fixtures[0])
	for _, a := range createEach(ctx, c, l, fixtures, phaseResumed, epochUp) {
		if v := admittedVerdict(a, true); v != "" {
			t.Errorf("%s/%s, webhook restarted: %s", a.fixture.kind, a.name, v)
		}
	}

	lost, phantoms := l.lost(ctx, t, c)
	logCounts(t, l.all())
	t.Logf("objects lost: %d %v; refused pods stored anyway: %d %v", len(lost), lost, len(phantoms), phantoms)
	g.Expect(lost).To(BeEmpty(), "acknowledged pods that do not exist")
	g.Expect(phantoms).To(BeEmpty(), "refused pods that exist")
}

// The test's steps, which name the pods each creates.
const (
	phaseLoad    = "load"
	phaseIgnore  = "ignore"
	phaseResumed = "resumed"
)

// killDuringCreates creates pods in every fixture's namespace in a loop,
// one goroutine each, SIGKILLs the webhook once each has had wantBefore
// pods answered, and stops once each has sent wantDown after the process
// was gone.
func killDuringCreates(ctx context.Context, t *testing.T, c client.Client, l *ledger, fixtures []fixture, wh *webhookProcess) {
	t.Helper()
	g := NewWithT(t)
	var epoch atomic.Int32
	var stop atomic.Bool
	before := make([]atomic.Int32, len(fixtures))
	after := make([]atomic.Int32, len(fixtures))
	var wg sync.WaitGroup
	for i, f := range fixtures {
		wg.Go(func() {
			for n := 0; n < maxAttempts && !stop.Load(); n++ {
				a := l.create(ctx, c, f, phaseLoad, &epoch)
				switch {
				case a.endEpoch == epochUp:
					before[i].Add(1)
				case a.startEpoch == epochDown:
					after[i].Add(1)
				}
			}
		})
	}
	each := func(counts []atomic.Int32, want int32) func() bool {
		return func() bool {
			for i := range counts {
				if counts[i].Load() < want {
					return false
				}
			}
			return true
		}
	}
	g.Eventually(each(before, wantBefore)).WithTimeout(timeout).WithPolling(10 * time.Millisecond).Should(BeTrue())
	wh.kill(t, func() { epoch.Store(epochKilling) })
	epoch.Store(epochDown)
	g.Eventually(each(after, wantDown)).WithTimeout(timeout).WithPolling(10 * time.Millisecond).Should(BeTrue())
	stop.Store(true)
	wg.Wait()
}

// logCounts prints the fault suite's counts, per step of the test.
func logCounts(t *testing.T, attempts []attempt) {
	t.Helper()
	inFlight := tallyOf(attempts, func(a attempt) bool {
		return a.phase == phaseLoad && a.startEpoch == epochUp && a.endEpoch != epochUp
	})
	n := 0
	for _, c := range inFlight {
		n += c.attempted
	}
	t.Logf("faults injected: 1 (SIGKILL of the webhook)")
	t.Logf("answered before the kill: %s", tallyOf(attempts, func(a attempt) bool { return a.phase == phaseLoad && a.endEpoch == epochUp }))
	t.Logf("in flight across the kill: %d (%s)", n, inFlight)
	t.Logf("sent while down, failurePolicy Fail: %s", tallyOf(attempts, func(a attempt) bool { return a.phase == phaseLoad && a.startEpoch == epochDown }))
	t.Logf("sent while down, binding.spo.io Ignore: %s", tallyOf(attempts, func(a attempt) bool { return a.phase == phaseIgnore }))
	t.Logf("sent after the restart: %s", tallyOf(attempts, func(a attempt) bool { return a.phase == phaseResumed }))
}

// createEach creates perPhase pods in every fixture's namespace, one after
// the other, recorded at the given epoch.
func createEach(ctx context.Context, c client.Client, l *ledger, fixtures []fixture, prefix string, at int32) []attempt {
	var epoch atomic.Int32
	epoch.Store(at)
	var out []attempt
	for _, f := range fixtures {
		for range perPhase {
			out = append(out, l.create(ctx, c, f, prefix, &epoch))
		}
	}
	return out
}

// waitUntilBound dry-runs pods in f's namespace until one comes back
// bound: the API server has the configuration, reaches the webhook, and
// the webhook's cache has the binding and its profile.
func waitUntilBound(ctx context.Context, g Gomega, c client.Client, f fixture) {
	g.Eventually(func(g Gomega) {
		dry := f.pod("probe")
		g.Expect(c.Create(ctx, dry, client.DryRunAll)).To(Succeed())
		g.Expect(f.bound(dry)).To(BeTrue(), "dry-run pod not bound")
	}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
}

// waitUntilAdmitted dry-runs pods in f's namespace until one is admitted
// while the webhook is down: the API server has picked up Ignore.
func waitUntilAdmitted(ctx context.Context, g Gomega, c client.Client, f fixture) {
	g.Eventually(func() error {
		return c.Create(ctx, f.pod("probe"), client.DryRunAll)
	}).WithTimeout(timeout).WithPolling(interval).Should(Succeed())
}

// updateConfiguration replaces the installed webhooks with want's, as
// the manager's reconciler does when spod's webhookOptions change.
func updateConfiguration(ctx context.Context, c client.Client, want *admissionregistrationv1.MutatingWebhookConfiguration) error {
	cur := &admissionregistrationv1.MutatingWebhookConfiguration{}
	if err := c.Get(ctx, client.ObjectKey{Name: webhookconfig.Name}, cur); err != nil {
		return err
	}
	cur.Webhooks = want.Webhooks
	return c.Update(ctx, cur)
}

// logRefusals prints the first refusal each labelled namespace got after
// the process was gone, and the first of a request in flight across the
// kill: the exact texts a user sees.
func logRefusals(t *testing.T, attempts []attempt) {
	t.Helper()
	seen := map[string]bool{}
	for _, a := range attempts {
		when := "after the kill"
		if a.startEpoch != epochDown {
			when = "in flight across the kill"
		}
		key := string(a.fixture.kind) + ", " + when
		if a.err != nil && !seen[key] {
			seen[key] = true
			t.Logf("refusal (%s): %v", key, a.err)
		}
	}
}
