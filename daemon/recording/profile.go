package recording

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/securityprofiles/operator/apis/keys"
	seccompprofilev1beta1 "github.com/securityprofiles/operator/apis/seccompprofile/v1beta1"
	"github.com/securityprofiles/operator/daemon/nodestatus"
	internalseccomp "github.com/securityprofiles/operator/internal/seccomp"
)

// Recorded is what one recorded container turned out to do.
type Recorded struct {
	// Pod is the recorded pod (only its metadata is used).
	Pod *corev1.Pod
	// Target is the recorded container.
	Target Target
	// MergeContainers makes the profile a Partial one, to be merged with
	// the other instances of the container when the recording is deleted.
	MergeContainers bool
	// Names are the syscalls seen (SeccompProfile).
	Names []string
	// Denials are the SELinux denials seen (SelinuxProfile).
	Denials []Denial
	// Arch is the libseccomp name of the node's architecture.
	Arch string
	// BaseProfile, if set, is the profile's baseProfileName: the syscalls
	// the container runtime makes before the workload's execve, which the
	// recorder does not attribute to the workload.
	BaseProfile string
}

// execve is always allowed: the workload's own first execve happens
// before any recorder can attribute it to the container.
const execve = "execve"

// Profile returns the SeccompProfile for a recorded container: it allows
// exactly the syscalls seen (plus execve) and denies the rest with EPERM.
// Its name is <recording>-<container>, with the pod's suffix appended for
// pods made from a template (replicas) and for partial profiles, so
// instances never overwrite each other.
func Profile(in Recorded) (*seccompprofilev1beta1.SeccompProfile, error) {
	names := slices.Concat(in.Names, []string{execve})
	spec, err := internalseccomp.ToSpec(internalseccomp.AllowList(names, []string{in.Arch}))
	if err != nil {
		return nil, fmt.Errorf("profile of container %s: %w", in.Target.Container, err)
	}
	spec.BaseProfileName = in.BaseProfile
	return &seccompprofilev1beta1.SeccompProfile{
		TypeMeta:   metav1.TypeMeta{APIVersion: seccompprofilev1beta1.GroupVersion.String(), Kind: "SeccompProfile"},
		ObjectMeta: recordedMeta(in),
		Spec:       spec,
	}, nil
}

// recordedMeta names and labels the profile of a recorded container, of
// either kind: labelled with its recording and, when it waits to be
// merged, as partial with its container.
func recordedMeta(in Recorded) metav1.ObjectMeta {
	name := ProfileName(in.Pod, in.Target, in.MergeContainers)
	labels := map[string]string{keys.RecordingIDLabel: nodestatus.LabelValue(in.Target.Recording)}
	if in.MergeContainers {
		labels[keys.PartialLabel] = "true"
		labels[keys.ContainerIDLabel] = nodestatus.LabelValue(in.Target.Container)
		labels[keys.ProfileIDLabel] = nodestatus.LabelValue(in.Target.Kind + "-" + name)
	}
	return metav1.ObjectMeta{Name: name, Namespace: in.Pod.Namespace, Labels: labels}
}

// ProfileName names the profile of a recorded container.
func ProfileName(pod *corev1.Pod, t Target, partial bool) string {
	name := t.Recording + "-" + t.Container
	if partial || pod.GenerateName != "" {
		name += "-" + podSuffix(pod)
	}
	return shorten(name, validation.DNS1123SubdomainMaxLength)
}

// podSuffix tells instances apart: the random part of a generated name,
// else the whole name.
func podSuffix(pod *corev1.Pod) string {
	if pod.GenerateName != "" && len(pod.Name) > len(pod.GenerateName) {
		return pod.Name[len(pod.GenerateName):]
	}
	return pod.Name
}

// shorten cuts s to max characters, replacing the end with a hash so that
// different long inputs stay different. The result starts and ends with
// an alphanumeric character when s does.
func shorten(s string, max int) string {
	if len(s) <= max {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	suffix := "-" + hex.EncodeToString(sum[:])[:10]
	prefix := s[:max-len(suffix)]
	for len(prefix) > 0 && !isAlnum(prefix[len(prefix)-1]) {
		prefix = prefix[:len(prefix)-1]
	}
	return prefix + suffix
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z'
}
