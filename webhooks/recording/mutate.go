package recording

import (
	"fmt"
	"slices"
	"sort"

	"gomodules.xyz/jsonpatch/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/securityprofiles/operator/apis/keys"
	profilerecordingv1alpha1 "github.com/securityprofiles/operator/apis/profilerecording/v1alpha1"
	"github.com/securityprofiles/operator/internal/podpatch"
)

// Result is what Mutate decided for one pod.
type Result struct {
	// Patch is the minimal JSON patch to apply.
	Patch []jsonpatch.JsonPatchOperation
	// Warnings go back to whoever created the pod.
	Warnings []string
	// Recordings names the recordings now recording at least one container.
	Recordings []string
	// Refused are recordings that select the pod but cannot record it.
	Refused map[string]string
}

// Mutate marks pod for the recordings whose podSelector matches its labels.
//
// Every selected container (all init containers and containers, or those
// spec.containers names) gets the annotation
// record.spo.x-k8s.io/<container> = <recording>/<recorder>/<kind>. A
// container two recordings select is recorded by the first by name, with
// a warning. With the logs recorder a seccomp recording sets the
// container's seccomp profile to the log-all profile, and an SELinux
// recording sets its SELinux type to the recording type, replacing what
// the container set (with a warning), because the enricher can only see
// what those profiles log. Privileged containers are warned about: no
// seccomp or SELinux policy applies to them, so the logs recorder sees
// nothing. The pod also gets the spo.x-k8s.io/enable-recording label, so
// a daemon caching only such pods (enableMemoryOptimization) sees it.
func Mutate(pod *corev1.Pod, recordings []profilerecordingv1alpha1.ProfileRecording) Result {
	sorted := slices.Clone(recordings)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	m := &mutation{pod: pod, claimed: map[string]string{}, refused: map[string]string{},
		changes: podpatch.Changes{Containers: map[podpatch.ContainerRef]podpatch.Security{}, Annotations: map[string]string{}}}
	for i := range sorted {
		m.recording(&sorted[i])
	}
	res := Result{Warnings: m.warnings, Refused: m.refused}
	seen := map[string]bool{}
	for _, rec := range m.claimed {
		if !seen[rec] {
			seen[rec] = true
			res.Recordings = append(res.Recordings, rec)
		}
	}
	sort.Strings(res.Recordings)
	if len(res.Recordings) > 0 {
		if _, ok := pod.Labels[keys.EnableRecordingLabel]; !ok {
			m.changes.Labels = map[string]string{keys.EnableRecordingLabel: "true"}
		}
	}
	res.Patch = podpatch.Build(pod, m.changes)
	return res
}

// mutation accumulates Mutate's decisions for one pod.
type mutation struct {
	pod      *corev1.Pod
	changes  podpatch.Changes
	claimed  map[string]string // container name → recording
	refused  map[string]string // recording → why
	warnings []string
}

// recording applies one recording to the pod if it selects it.
func (m *mutation) recording(rec *profilerecordingv1alpha1.ProfileRecording) {
	selector, err := metav1.LabelSelectorAsSelector(&rec.Spec.PodSelector)
	if err != nil {
		m.refuse(rec.Name, fmt.Sprintf("its podSelector is invalid: %v", err))
		return
	}
	// As everywhere in Kubernetes, an empty selector selects every pod.
	if !selector.Matches(labels.Set(m.pod.Labels)) {
		return
	}
	if rec.Spec.Recorder == profilerecordingv1alpha1.RecorderBPF && rec.Spec.Kind == profilerecordingv1alpha1.RecordingKindSelinux {
		m.refuse(rec.Name, "recorder bpf records only kind SeccompProfile; use recorder logs for a SelinuxProfile")
		return
	}
	value := keys.RecordingAnnotationValue(rec.Name, string(rec.Spec.Recorder), string(rec.Spec.Kind))
	for _, c := range podpatch.Containers(m.pod) {
		if len(rec.Spec.Containers) > 0 && !slices.Contains(rec.Spec.Containers, c.Container.Name) {
			continue
		}
		if other, ok := m.claimed[c.Container.Name]; ok {
			m.warnings = append(m.warnings, fmt.Sprintf("container %q is already recorded by ProfileRecording %s; ProfileRecording %s skips it", c.Container.Name, other, rec.Name))
			continue
		}
		m.claimed[c.Container.Name] = rec.Name
		m.changes.Annotations[keys.RecordingAnnotationKey(c.Container.Name)] = value
		if rec.Spec.Recorder == profilerecordingv1alpha1.RecorderLogs {
			m.logProfile(c, rec)
		}
	}
}

// logProfile gives a container recorded from the logs the profile whose
// audit lines the enricher turns into the recorded profile.
func (m *mutation) logProfile(c podpatch.Located, rec *profilerecordingv1alpha1.ProfileRecording) {
	sc := c.Container.SecurityContext
	if sc != nil && sc.Privileged != nil && *sc.Privileged {
		m.warnings = append(m.warnings, fmt.Sprintf("container %q is privileged: seccomp and SELinux do not confine it, so ProfileRecording %s (recorder logs) records nothing for it", c.Container.Name, rec.Name))
	}
	if rec.Spec.Kind == profilerecordingv1alpha1.RecordingKindSelinux {
		if sc != nil && sc.SELinuxOptions != nil && sc.SELinuxOptions.Type != "" && sc.SELinuxOptions.Type != keys.SelinuxRecordingType {
			m.warnings = append(m.warnings, fmt.Sprintf("container %q: ProfileRecording %s replaces its SELinux type %s with %s while recording", c.Container.Name, rec.Name, sc.SELinuxOptions.Type, keys.SelinuxRecordingType))
		}
		m.changes.Containers[c.Ref] = podpatch.Security{SELinuxType: keys.SelinuxRecordingType}
		return
	}
	if sc != nil && sc.SeccompProfile != nil && (sc.SeccompProfile.LocalhostProfile == nil || *sc.SeccompProfile.LocalhostProfile != keys.LogAllProfilePath) {
		m.warnings = append(m.warnings, fmt.Sprintf("container %q: ProfileRecording %s replaces its seccomp profile with the log-all profile %s while recording", c.Container.Name, rec.Name, keys.LogAllProfilePath))
	}
	m.changes.Containers[c.Ref] = podpatch.Security{Seccomp: podpatch.Localhost(keys.LogAllProfilePath)}
}

func (m *mutation) refuse(name, why string) {
	m.refused[name] = why
	m.warnings = append(m.warnings, fmt.Sprintf("ProfileRecording %s cannot record this pod: %s", name, why))
}
