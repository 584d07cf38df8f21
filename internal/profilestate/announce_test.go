package profilestate

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/events"

	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
)

func TestInstalledNote(t *testing.T) {
	for _, c := range []struct {
		nodes *profilebasev1alpha1.NodeSummary
		want  string
	}{
		{nil, "Loaded on every node"},
		{&profilebasev1alpha1.NodeSummary{Total: 1, Installed: 1}, "Loaded on the cluster's only node"},
		{&profilebasev1alpha1.NodeSummary{Total: 20, Installed: 20}, "Loaded on all 20 nodes"},
	} {
		if got := installedNote("Loaded", c.nodes); got != c.want {
			t.Errorf("installedNote(%+v) = %q, want %q", c.nodes, got, c.want)
		}
	}
}

func TestAnnounceInstalledOnlyOnTheChange(t *testing.T) {
	installed := &profilebasev1alpha1.StatusBase{Status: profilebasev1alpha1.StateInstalled,
		Nodes: &profilebasev1alpha1.NodeSummary{Total: 3, Installed: 3}}
	pending := &profilebasev1alpha1.StatusBase{Status: profilebasev1alpha1.StatePending}
	for _, c := range []struct {
		name          string
		before, after *profilebasev1alpha1.StatusBase
		want          []string
	}{
		{"became Installed", pending, installed, []string{"Normal ProfileInstalled Installed on all 3 nodes"}},
		{"stayed Installed", installed, installed, nil},
		{"still Pending", pending, pending, nil},
		{"left Installed", installed, pending, nil},
	} {
		rec := events.NewFakeRecorder(10)
		AnnounceInstalled(rec, &corev1.Pod{}, c.before, c.after, "Installed", "Install")
		close(rec.Events)
		var got []string
		for e := range rec.Events {
			got = append(got, e)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: events %q, want %q", c.name, got, c.want)
		}
	}
	// No recorder (a test's reconciler): nothing to send, no panic.
	AnnounceInstalled(nil, &corev1.Pod{}, pending, installed, "Installed", "Install")
}
