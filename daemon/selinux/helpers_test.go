package selinux_test

import (
	"context"
	"os"

	. "github.com/onsi/gomega"
	eventsv1 "k8s.io/api/events/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/metrics"

	nodestatusv1alpha1 "github.com/securityprofiles/operator/apis/nodestatus/v1alpha1"
	"github.com/securityprofiles/operator/daemon/nodestatus"
)

// nodeState reads what a node reports for a profile as "<state>/<reason>",
// or "gone" when it reports nothing. The daemon writes asynchronously:
// callers poll it.
func nodeState(ctx context.Context, kind, ns, profile string, n node) func(Gomega) string {
	return func(g Gomega) string {
		st, err := nodestatus.Lookup(ctx, env.Client, ns, n.name, nodestatusv1alpha1.ProfileKind(kind), profile)
		g.Expect(err).NotTo(HaveOccurred())
		if st == nil {
			return "gone"
		}
		return string(st.Status) + "/" + st.Reason
	}
}

// nodeMessage is the message a node reports for a profile; callers first
// wait for the state it explains.
func nodeMessage(ctx context.Context, kind, ns, profile string, n node) string {
	st, err := nodestatus.Lookup(ctx, env.Client, ns, n.name, nodestatusv1alpha1.ProfileKind(kind), profile)
	Expect(err).NotTo(HaveOccurred())
	Expect(st).NotTo(BeNil(), "node %s reports nothing for %s %s/%s", n.name, kind, ns, profile)
	return st.Message
}

// eventNotes are the notes of the Events of one type and reason about a
// profile.
func eventNotes(ctx context.Context, ns, profile, eventType, reason string) []string {
	list := &eventsv1.EventList{}
	Expect(env.Client.List(ctx, list, client.InNamespace(ns))).To(Succeed())
	var notes []string
	for _, e := range list.Items {
		if e.Regarding.Name == profile && e.Type == eventType && e.Reason == reason {
			notes = append(notes, e.Note)
		}
	}
	return notes
}

// dirEntries lists a policy directory; a missing one is empty.
func dirEntries(dir string) []string {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	Expect(err).NotTo(HaveOccurred())
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// counter reads one series of a security_profiles_operator_selinux_*
// counter from controller-runtime's registry.
func counter(name, label, value string) float64 {
	fams, err := metrics.Registry.Gather()
	Expect(err).NotTo(HaveOccurred())
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == label && l.GetValue() == value {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

func errorsCounted(reason string) float64 {
	return counter("security_profiles_operator_selinux_profile_error_total", "reason", reason)
}

func operationsCounted(op string) float64 {
	return counter("security_profiles_operator_selinux_profile_total", "operation", op)
}
