package recording

import (
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/securityprofiles/operator/apis/keys"
	"github.com/securityprofiles/operator/internal/containerid"
)

// Target is one container of a pod that a recording asked this recorder
// to record.
type Target struct {
	// Container is the container's name.
	Container string
	// Recording is the ProfileRecording's name, in the pod's namespace.
	Recording string
	// Kind is the kind of profile to produce.
	Kind string
	// IDs are the container's runtime IDs (64 hex digits) seen so far: a
	// restarted container has one per run.
	IDs []string
}

// Targets lists the containers of pod annotated for recording with
// recorder ("bpf" or "logs"), with the IDs its status reports, sorted by
// container name.
func Targets(pod *corev1.Pod, recorder string) []Target {
	ids := ContainerIDs(pod)
	var out []Target
	for key, value := range pod.Annotations {
		name, ok := strings.CutPrefix(key, keys.RecordingAnnotationPrefix)
		if !ok || name == "" {
			continue
		}
		recording, rec, kind, ok := keys.ParseRecordingAnnotation(value)
		if !ok || rec != recorder {
			continue
		}
		out = append(out, Target{Container: name, Recording: recording, Kind: kind, IDs: ids[name]})
	}
	slices.SortFunc(out, func(a, b Target) int { return strings.Compare(a.Container, b.Container) })
	return out
}

// ContainerIDs maps each container name of pod (init, regular and
// ephemeral) to the runtime IDs its status reports, current and last
// terminated, sorted. Malformed IDs are left out.
func ContainerIDs(pod *corev1.Pod) map[string][]string {
	out := map[string][]string{}
	for _, list := range [][]corev1.ContainerStatus{
		pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses, pod.Status.EphemeralContainerStatuses,
	} {
		for _, st := range list {
			raw := []string{st.ContainerID}
			if t := st.LastTerminationState.Terminated; t != nil {
				raw = append(raw, t.ContainerID)
			}
			if t := st.State.Terminated; t != nil {
				raw = append(raw, t.ContainerID)
			}
			for _, s := range raw {
				if _, id, err := containerid.ParseStatusID(s); err == nil {
					out[st.Name] = append(out[st.Name], id)
				}
			}
		}
	}
	for name, ids := range out {
		slices.Sort(ids)
		out[name] = slices.Compact(ids)
	}
	return out
}

// mergeIDs adds the IDs of b to a, sorted and without duplicates.
func mergeIDs(a, b []string) []string {
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}
