package binding

import (
	"fmt"
	"sort"
	"strings"

	"gomodules.xyz/jsonpatch/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/securityprofiles/operator/apis/keys"
	profilebindingv1alpha1 "github.com/securityprofiles/operator/apis/profilebinding/v1alpha1"
	profilerecordingv1alpha1 "github.com/securityprofiles/operator/apis/profilerecording/v1alpha1"
	"github.com/securityprofiles/operator/internal/podpatch"
)

// Binding is a ProfileBinding resolved against its profile.
type Binding struct {
	// Name is the ProfileBinding's name.
	Name string
	// Image is the binding's spec.image: an exact image string, "*", or
	// "" when the binding selects pods only.
	Image string
	// Selector is the binding's parsed spec.podSelector; nil for none.
	Selector labels.Selector
	// Kind is the bound profile's kind.
	Kind profilebindingv1alpha1.ProfileKind
	// Profile is the bound profile's name, in the pod's namespace.
	Profile string
	// Mode is Enforce or Audit (seccomp only).
	Mode profilebindingv1alpha1.BindingMode
	// Value is what goes into the container: the SeccompProfile's
	// localhostProfile path (its audit copy's in Audit mode), the
	// SelinuxProfile's usage type, or the AppArmorProfile's name.
	Value string
	// Reason and Problem, when Problem is set, say why the profile cannot
	// be applied now (missing, not installed, unsupported kind); Value is
	// then empty and the binding leaves containers unchanged, unless Held.
	Reason, Problem string
	// Held marks a binding whose profile is not Installed yet (or does
	// not exist yet) but is applied anyway, because the pod will wait at
	// the scheduling gate until it is.
	Held bool
}

// Result is what Mutate decided for one pod.
type Result struct {
	// Patch is the minimal JSON patch to apply.
	Patch []jsonpatch.JsonPatchOperation
	// Warnings go back to whoever created the pod.
	Warnings []string
	// Applied names the bindings now in effect on at least one container.
	Applied []string
	// Blocked are the bindings that matched a container but could not be
	// applied; each gets an Event.
	Blocked []Binding
	// Changes are what Patch does, for deciding on the pod as it will be.
	Changes podpatch.Changes
}

// Relevant reports whether the binding spec can apply to a container of
// the pod: its image matches one (or is "*" or unset) and its podSelector,
// if set, matches the pod's labels. It returns the parsed podSelector (nil
// without one) for Binding.Selector. The image is compared first, without
// allocating; the selector is parsed only for a binding that passes, so
// the handler's filter stays cheap with many bindings. An invalid
// podSelector is reported as err, and the binding matches no pod.
func Relevant(pod *corev1.Pod, spec *profilebindingv1alpha1.ProfileBindingSpec) (selector labels.Selector, relevant bool, err error) {
	if (spec.Image == "" && spec.PodSelector == nil) || !imageRelevant(pod, spec.Image) {
		return nil, false, nil
	}
	if spec.PodSelector == nil {
		return nil, true, nil
	}
	selector, err = metav1.LabelSelectorAsSelector(spec.PodSelector)
	if err != nil {
		return nil, false, fmt.Errorf("invalid podSelector: %w", err)
	}
	return selector, selector.Matches(labels.Set(pod.Labels)), nil
}

// imageRelevant reports whether image, a binding's spec.image, matches a
// container of the pod; "*" and "" match any.
func imageRelevant(pod *corev1.Pod, image string) bool {
	if wildcard(image) {
		return len(pod.Spec.Containers)+len(pod.Spec.InitContainers) > 0
	}
	for _, c := range podpatch.Containers(pod) {
		if c.Container.Image == image {
			return true
		}
	}
	return false
}

// wildcard reports whether a binding's image matches every container.
func wildcard(image string) bool {
	return image == "" || image == profilebindingv1alpha1.SelectAllImages
}

// Mutate applies bindings to pod's init containers and containers, and
// completes the manual's bare AppArmor annotations that name one of
// appArmorProfiles (the AppArmorProfiles in the pod's namespace among
// bareAppArmorNames(pod); see manualAppArmor).
//
// A binding with a Selector applies only if it matches the pod's labels.
// Matching is exact on the image string as written in the pod: "nginx"
// does not match "nginx:latest" or "docker.io/library/nginx", and a digest
// reference matches only the same digest reference. For each container
// and each kind (seccomp, SELinux, AppArmor) the most specific matching
// bindings count: those naming the container's image and selecting the
// pod, then those naming the image only, then those selecting the pod with
// no image (or "*"), then "*" bindings. Among several equally specific, the first
// by name is applied and the conflict is warned about.
//   - A binding naming the image replaces a profile the container sets
//     itself (with a warning), since naming the exact image is the more
//     specific intent;
//   - a binding without an exact image applies only to a container that
//     has no setting of its own, from its own or the pod's securityContext;
//   - a container the pod records with the logs recorder keeps the log-all
//     profile the recording webhook gives it.
func Mutate(pod *corev1.Pod, bindings []Binding, appArmorProfiles map[string]bool) Result {
	podLabels := labels.Set(pod.Labels)
	sorted := make([]Binding, 0, len(bindings))
	for _, b := range bindings {
		if b.Selector == nil || b.Selector.Matches(podLabels) {
			sorted = append(sorted, b)
		}
	}
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	m := &mutation{pod: pod, appArmorProfiles: appArmorProfiles, changes: podpatch.Changes{Containers: map[podpatch.ContainerRef]podpatch.Security{}}, applied: map[string]bool{}, blocked: map[string]Binding{}}
	for _, c := range podpatch.Containers(pod) {
		m.container(c, sorted)
	}
	m.unsupported(sorted)
	res := Result{Warnings: m.warnings.list}
	for name := range m.applied {
		res.Applied = append(res.Applied, name)
	}
	sort.Strings(res.Applied)
	if len(res.Applied) > 0 {
		m.annotate(keys.BindingsAnnotation, strings.Join(res.Applied, ","))
	}
	if m.audit {
		// With enableMemoryOptimization the node daemon caches only pods
		// with this label; the log enricher needs the pod to attribute
		// its audit records to the profile.
		m.changes.Labels = map[string]string{keys.EnableRecordingLabel: "true"}
	}
	for _, b := range sorted {
		if blocked, ok := m.blocked[b.Name]; ok {
			res.Blocked = append(res.Blocked, blocked)
			res.Warnings = append(res.Warnings, fmt.Sprintf("ProfileBinding %s not applied: %s", b.Name, blocked.Problem))
		}
	}
	res.Patch = podpatch.Build(pod, m.changes)
	res.Changes = m.changes
	return res
}

// mutation accumulates Mutate's decisions for one pod.
type mutation struct {
	pod *corev1.Pod
	// appArmorProfiles are Mutate's argument.
	appArmorProfiles map[string]bool
	changes          podpatch.Changes
	applied          map[string]bool
	blocked          map[string]Binding
	warnings         warnings
	// audit is set once a container gets a profile's audit copy.
	audit bool
}

// container decides one container's seccomp profile, SELinux type and
// AppArmor profile.
func (m *mutation) container(c podpatch.Located, bindings []Binding) {
	var sec podpatch.Security
	if m.recordedWithLogs(c.Container.Name) {
		for _, b := range bindings {
			if b.Image == c.Container.Image {
				m.warnings.add(fmt.Sprintf("container %q is being recorded with the logs recorder, so ProfileBinding %s leaves it alone", c.Container.Name, b.Name))
			}
		}
		// Not a binding: without it the API server refuses the pod.
		sec.AppArmor = m.manualAppArmor(c.Container)
	} else {
		sec = m.bind(c.Container, bindings)
	}
	if sec != (podpatch.Security{}) {
		m.changes.Containers[c.Ref] = sec
	}
}

// bind picks, per kind, the binding for one container.
func (m *mutation) bind(ctr *corev1.Container, bindings []Binding) podpatch.Security {
	var sec podpatch.Security
	own := currentSeccomp(m.pod, ctr)
	if b := m.pick(ctr, bindings, profilebindingv1alpha1.ProfileKindSeccomp, own); b != nil {
		if b.Value != own && ctr.SecurityContext != nil && ctr.SecurityContext.SeccompProfile != nil {
			m.warnings.add(fmt.Sprintf("container %q: ProfileBinding %s replaces its own seccomp profile %s with Localhost %s", ctr.Name, b.Name, describeSeccomp(ctr.SecurityContext.SeccompProfile), b.Value))
		}
		sec.Seccomp = podpatch.Localhost(b.Value)
	}
	ownType := currentSELinuxType(m.pod, ctr)
	if b := m.pick(ctr, bindings, profilebindingv1alpha1.ProfileKindSelinux, ownType); b != nil {
		if b.Value != ownType && ctr.SecurityContext != nil && ctr.SecurityContext.SELinuxOptions != nil && ctr.SecurityContext.SELinuxOptions.Type != "" {
			m.warnings.add(fmt.Sprintf("container %q: ProfileBinding %s replaces its own SELinux type %s with %s", ctr.Name, b.Name, ctr.SecurityContext.SELinuxOptions.Type, b.Value))
		}
		sec.SELinuxType = b.Value
	}
	ownAppArmor := currentAppArmor(m.pod, ctr)
	if b := m.pick(ctr, bindings, profilebindingv1alpha1.ProfileKindAppArmor, ownAppArmor); b != nil {
		sec.AppArmor = m.bindAppArmor(ctr, b, ownAppArmor)
	} else {
		sec.AppArmor = m.manualAppArmor(ctr)
	}
	return sec
}

// annotate sets a pod annotation.
func (m *mutation) annotate(key, value string) {
	if m.changes.Annotations == nil {
		m.changes.Annotations = map[string]string{}
	}
	m.changes.Annotations[key] = value
}

// pick chooses the binding of one kind for a container, records it as
// applied or blocked, and returns it only when it can be applied. own is
// the container's current effective value ("" for none).
func (m *mutation) pick(ctr *corev1.Container, bindings []Binding, kind profilebindingv1alpha1.ProfileKind, own string) *Binding {
	candidates, exact := matching(bindings, kind, ctr.Image)
	// A binding without an exact image never overrides a setting the pod
	// made itself, but one it made earlier (own == its value) still
	// counts as applied, so reinvocation keeps the bindings annotation
	// whole.
	if len(candidates) == 0 || (!exact && own != "" && own != candidates[0].Value) {
		return nil
	}
	chosen := candidates[0]
	for _, other := range candidates[1:] {
		if other.Value != chosen.Value || other.Problem != "" {
			m.warnings.add(fmt.Sprintf("container %q: ProfileBindings %s and %s both bind a %s to image %q; applying %s", ctr.Name, chosen.Name, other.Name, kind, ctr.Image, chosen.Name))
		}
	}
	if chosen.Problem != "" && !chosen.Held {
		m.blocked[chosen.Name] = chosen
		return nil
	}
	m.applied[chosen.Name] = true
	if chosen.Mode == profilebindingv1alpha1.ModeAudit {
		m.audit = true
	}
	return &chosen
}

// unsupported blocks bindings of a kind that cannot be bound (the API
// refuses them; this guards objects stored before that rule) when their
// image matches a container.
func (m *mutation) unsupported(bindings []Binding) {
	for _, b := range bindings {
		if !bindable(b.Kind) && imageRelevant(m.pod, b.Image) {
			if b.Problem == "" {
				b.Reason, b.Problem = ReasonKindUnsupported, unsupportedKindMessage(b.Kind)
			}
			m.blocked[b.Name] = b
		}
	}
}

// recordedWithLogs reports whether the pod records container with the logs
// recorder, whose log-all profile must not be replaced.
func (m *mutation) recordedWithLogs(container string) bool {
	_, recorder, _, ok := keys.ParseRecordingAnnotation(m.pod.Annotations[keys.RecordingAnnotationKey(container)])
	return ok && recorder == string(profilerecordingv1alpha1.RecorderLogs)
}

// Specificity of a binding for a container, most specific highest; only
// the bindings of the highest one present compete for the container.
const (
	noMatch = iota - 1
	specAllImages
	specSelector
	specImage
	specImageAndSelector
)

// specificity ranks binding b for a container running image; the pod's
// labels were checked against b.Selector before.
func specificity(b *Binding, image string) int {
	rank := specAllImages
	switch {
	case !wildcard(b.Image) && b.Image != image:
		return noMatch
	case !wildcard(b.Image):
		rank = specImage
	case b.Image == "" && b.Selector == nil:
		// Refused by the API; guard objects stored without either.
		return noMatch
	}
	if b.Selector != nil {
		rank++
	}
	return rank
}

// matching returns the most specific bindings of kind for a container
// running image, in the order given, and whether they name that image.
func matching(bindings []Binding, kind profilebindingv1alpha1.ProfileKind, image string) ([]Binding, bool) {
	var out []Binding
	best := noMatch
	for _, b := range bindings {
		if b.Kind != kind {
			continue
		}
		switch rank := specificity(&b, image); {
		case rank > best:
			best, out = rank, append(out[:0], b)
		case rank == best && rank != noMatch:
			out = append(out, b)
		}
	}
	return out, best >= specImage
}
