package controlplanefaults

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	. "github.com/onsi/gomega"

	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
)

// history is every state a watch saw each profile of one namespace in.
// A watch delivers every change of an object, in order, so a state the
// manager wrote twice or took back shows here even if it lasted only one
// write.
type history struct {
	mu sync.Mutex
	// states lists each profile's status.status values, consecutive
	// repeats collapsed; the empty status of a new profile is left out.
	states map[string][]profilebasev1alpha1.ProfileState
	// readyRises counts each profile's Ready condition turning True.
	readyRises map[string]int
	// lost counts each profile's status going from set back to empty.
	lost map[string]int
	// readySince is the lastTransitionTime of the profiles now Ready.
	readySince map[string]metav1.Time
	// relists counts the times the watch had to start over from a list,
	// which a restarted API server asks for (see watchProfiles).
	relists int
	err     error
}

func newHistory() *history {
	return &history{states: map[string][]profilebasev1alpha1.ProfileState{}, readyRises: map[string]int{},
		lost: map[string]int{}, readySince: map[string]metav1.Time{}}
}

func (h *history) record(ev watch.Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	sp, ok := ev.Object.(*seccompprofilev1beta1.SeccompProfile)
	if !ok || ev.Type == watch.Bookmark {
		return
	}
	seen := h.states[sp.Name]
	switch st := sp.Status.Status; {
	case st == "" && len(seen) > 0:
		h.lost[sp.Name]++
	case st != "" && (len(seen) == 0 || seen[len(seen)-1] != st):
		h.states[sp.Name] = append(seen, st)
	}
	// A rise is Ready turning True, or a True condition with a new
	// lastTransitionTime: it went False and back between two observations
	// (as across the watch's relist).
	cond := sp.Status.ReadyCondition()
	if cond == nil || cond.Status != metav1.ConditionTrue {
		delete(h.readySince, sp.Name)
		return
	}
	if since, ok := h.readySince[sp.Name]; !ok || !since.Equal(&cond.LastTransitionTime) {
		h.readyRises[sp.Name]++
	}
	h.readySince[sp.Name] = cond.LastTransitionTime
}

// fail records why the watch stopped.
func (h *history) fail(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.err = err
}

// installed names the profiles whose last seen state is Installed.
func (h *history) installed() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for name, seen := range h.states {
		if seen[len(seen)-1] == profilebasev1alpha1.StateInstalled {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// seen counts the names the watch saw with a status.
func (h *history) seen(names []string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, name := range names {
		if len(h.states[name]) > 0 {
			n++
		}
	}
	return n
}

// eventCounts counts the Events about each SeccompProfile of ns, by
// profile and reason. The events.k8s.io API lists core Events too: both
// are views of one store.
func (c *cluster) eventCounts(ctx context.Context, ns string) (map[string]map[string]int, int, error) {
	list := &eventsv1.EventList{}
	if err := c.env.Client.List(ctx, list, client.InNamespace(ns)); err != nil {
		return nil, 0, err
	}
	out, total := map[string]map[string]int{}, 0
	for _, e := range list.Items {
		if e.Regarding.Kind != "SeccompProfile" {
			continue
		}
		if out[e.Regarding.Name] == nil {
			out[e.Regarding.Name] = map[string]int{}
		}
		// A repeated Event is one object with a count: series.count in
		// the events.k8s.io API, deprecatedCount for a core Event.
		n := max(1, int(e.DeprecatedCount))
		if e.Series != nil {
			n = max(n, int(e.Series.Count))
		}
		out[e.Regarding.Name][e.Reason] += n
		total += n
	}
	return out, total, nil
}

// once is the one way a profile's state may go: Pending from the first
// pass, Installed once every node reported.
var once = []profilebasev1alpha1.ProfileState{profilebasev1alpha1.StatePending, profilebasev1alpha1.StateInstalled}

// inOrder reports whether seen is once with states possibly left out (a
// profile deleted early, or a state that came and went during the
// watch's relist) but none repeated or out of order.
func inOrder(seen []profilebasev1alpha1.ProfileState) bool {
	j := 0
	for _, st := range seen {
		for j < len(once) && once[j] != st {
			j++
		}
		if j == len(once) {
			return false
		}
		j++
	}
	return true
}

// expectEachOnce checks that no profile of ns went through a state twice
// (see inOrder; its Ready condition rose at most once), lost its status,
// or got an Event twice; it logs the counts.
// Whether the profiles got to Installed is the caller's to check.
func (c *cluster) expectEachOnce(t *testing.T, g Gomega, ns string, h *history) {
	events, total, err := c.eventCounts(t.Context(), ns)
	g.Expect(err).NotTo(HaveOccurred())
	h.mu.Lock()
	defer h.mu.Unlock()
	g.Expect(h.err).NotTo(HaveOccurred())
	var duplicates, lost []string
	rises := 0
	for name, seen := range h.states {
		rises += h.readyRises[name]
		if !inOrder(seen) || h.readyRises[name] > 1 {
			duplicates = append(duplicates, fmt.Sprintf("%s: states %v, Ready rose %d times", name, seen, h.readyRises[name]))
		}
		if h.lost[name] > 0 {
			lost = append(lost, fmt.Sprintf("%s: status emptied %d times", name, h.lost[name]))
		}
	}
	for name, reasons := range events {
		for reason, n := range reasons {
			if n > 1 {
				duplicates = append(duplicates, fmt.Sprintf("%s: Event %s %d times", name, reason, n))
			}
		}
	}
	slices.Sort(duplicates)
	slices.Sort(lost)
	t.Logf("profiles: %d watched (watch relisted %d times), %d Ready transitions to True; Events about them: %d; duplicates: %d; statuses lost: %d",
		len(h.states), h.relists, rises, total, len(duplicates), len(lost))
	g.Expect(duplicates).To(BeEmpty(), strings.Join(duplicates, "\n"))
	g.Expect(lost).To(BeEmpty(), strings.Join(lost, "\n"))
}
