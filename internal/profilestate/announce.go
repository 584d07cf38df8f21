package profilestate

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/events"

	profilebasev1alpha1 "github.com/securityprofiles/operator/apis/profilebase/v1alpha1"
)

// ReasonInstalled is the reason of the Normal Event a profile gets when it
// becomes Installed; the nodes' states of it carry the same word.
const ReasonInstalled = "ProfileInstalled"

// AnnounceInstalled sends a profile's one Normal Event of success when the
// status write from before to after took it to Installed: "Installed on all
// 20 nodes". Nodes send Warning Events for their own problems, but no Event
// for each install: one per node and profile would make a burst of profiles
// on a large cluster cost more Event writes than everything else together.
// verb and action say what installing is for the kind ("Installed",
// "Install"; AppArmor: "Loaded", "Load").
func AnnounceInstalled(rec events.EventRecorder, obj runtime.Object, before, after *profilebasev1alpha1.StatusBase, verb, action string) {
	if rec == nil || after.Status != profilebasev1alpha1.StateInstalled || before.Status == profilebasev1alpha1.StateInstalled {
		return
	}
	rec.Eventf(obj, nil, corev1.EventTypeNormal, ReasonInstalled, action, "%s", installedNote(verb, after.Nodes))
}

func installedNote(verb string, nodes *profilebasev1alpha1.NodeSummary) string {
	switch {
	case nodes == nil:
		return verb + " on every node"
	case nodes.Total == 1:
		return verb + " on the cluster's only node"
	}
	return verb + " on all " + strconv.Itoa(int(nodes.Total)) + " nodes"
}
