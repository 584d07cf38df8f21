package binding

import (
	"encoding/json"
	"regexp"
	"testing"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	profilebindingv1alpha1 "github.com/securityprofiles/operator/apis/profilebinding/v1alpha1"
	"github.com/securityprofiles/operator/internal/podpatch"
)

// patchPath is every path Mutate may touch: the bindings annotation, a
// container's AppArmor annotation (or the whole annotations map) and a
// container's securityContext.
var patchPath = regexp.MustCompile(`^(/metadata/annotations(/spo\.x-k8s\.io~1bindings|/container\.apparmor\.security\.beta\.kubernetes\.io~1[^/]*)?|/spec/(initContainers|containers)/\d+/securityContext(/seccompProfile|/seLinuxOptions(/type)?|/appArmorProfile)?)$`)

// FuzzMutate feeds arbitrary pods and bindings to Mutate: it must never
// panic, its patch must apply to the pod, touch only the fields a binding
// owns, and be complete (a second pass over the patched pod changes
// nothing).
func FuzzMutate(f *testing.F) {
	f.Add([]byte(`{"spec":{"containers":[{"name":"c","image":"nginx:1.19.1"}]}}`), "nginx:1.19.1", "operator/ns/p.json", "t.process", "aa", true)
	f.Add([]byte(`{"metadata":{"annotations":{"spo.x-k8s.io/bindings":"x"}},"spec":{"securityContext":{"seccompProfile":{"type":"RuntimeDefault"}},"initContainers":[{"name":"i","image":"*","securityContext":{"seLinuxOptions":{"level":"s0"}}}],"containers":[{"name":"c","image":"a","securityContext":{}}]}}`), "*", "", "x", "", false)
	f.Add([]byte(`{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"a"},{"name":"d","image":"b","securityContext":{"seccompProfile":{"type":"RuntimeDefault"}}}]}}`), "b", "operator/ns/p.json", "t.process", "aa", false)
	f.Add([]byte(`{"metadata":{"annotations":{"record.spo.x-k8s.io/c":"r/logs/SeccompProfile","container.apparmor.security.beta.kubernetes.io/c":"test-profile"}},"spec":{"containers":[{"name":"c","image":"a"}]}}`), "a", "p", "", "aa", true)
	f.Add([]byte(`{"metadata":{"annotations":{"container.apparmor.security.beta.kubernetes.io/c":"runtime/default","container.apparmor.security.beta.kubernetes.io/d":"test-profile","container.apparmor.security.beta.kubernetes.io/e":"nope"}},"spec":{"containers":[{"name":"c","image":"a"},{"name":"d","image":"b","securityContext":{"appArmorProfile":{"type":"Unconfined"}}},{"name":"e","image":"a"}]}}`), "a", "p", "", "aa", false)
	f.Fuzz(func(t *testing.T, raw []byte, image, value, selType, appArmor string, blocked bool) {
		// Real bindings and pods come from JSON, so their strings are
		// valid UTF-8; others would be rewritten by encoding alone.
		if !utf8.ValidString(image) || !utf8.ValidString(value) || !utf8.ValidString(selType) || !utf8.ValidString(appArmor) {
			return
		}
		pod := &corev1.Pod{}
		if err := json.Unmarshal(raw, pod); err != nil || duplicateNames(pod) {
			return
		}
		sec := Binding{Name: "sec", Image: image, Kind: profilebindingv1alpha1.ProfileKindSeccomp, Value: value}
		if value == "" {
			sec.Reason, sec.Problem = ReasonProfileNotInstalled, "not installed"
		}
		bindings := []Binding{sec, {Name: "all", Image: "*", Kind: profilebindingv1alpha1.ProfileKindSelinux, Value: selType}}
		if selType == "" {
			bindings[1].Reason, bindings[1].Problem = ReasonProfileNotFound, "missing"
		}
		// A podSelector-only binding competes with both: it ranks
		// between "*" and an exact image.
		bindings = append(bindings, Binding{Name: "sel", Selector: labels.SelectorFromSet(labels.Set{"app": "web"}), Kind: profilebindingv1alpha1.ProfileKindSeccomp, Value: "operator/ns/sel.json"})
		aa := Binding{Name: "aa", Image: image, Kind: profilebindingv1alpha1.ProfileKindAppArmor, Value: appArmor}
		if appArmor == "" {
			aa.Reason, aa.Problem = ReasonProfileNotFound, "missing"
		}
		bindings = append(bindings, aa)
		if blocked {
			bindings = append(bindings, Binding{Name: "raw", Image: image, Kind: "RawSelinuxProfile"})
		}
		known := map[string]bool{"test-profile": true, appArmor: true}
		res := Mutate(pod, bindings, known)
		for _, op := range res.Patch {
			if !patchPath.MatchString(op.Path) || (op.Operation != "add" && op.Operation != "replace") {
				t.Fatalf("patch touches %s %s", op.Operation, op.Path)
			}
		}
		// The bindings annotation, then per container an AppArmor
		// annotation and three securityContext fields.
		if max := 1 + 4*(len(pod.Spec.Containers)+len(pod.Spec.InitContainers)); len(res.Patch) > max {
			t.Fatalf("%d operations for a pod allowing at most %d", len(res.Patch), max)
		}
		patched, err := podpatch.Apply(pod, res.Patch)
		if err != nil {
			t.Fatal(err)
		}
		if again := Mutate(patched, bindings, known); len(again.Patch) != 0 {
			t.Fatalf("second pass still patches %+v", again.Patch)
		}
	})
}

// duplicateNames reports whether two of the pod's containers share a name,
// which the API server refuses. Their AppArmor annotation would be one
// key for two containers.
func duplicateNames(pod *corev1.Pod) bool {
	seen := map[string]bool{}
	for _, c := range podpatch.Containers(pod) {
		if seen[c.Container.Name] {
			return true
		}
		seen[c.Container.Name] = true
	}
	return false
}
