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

// patchPath is every path Mutate may touch: the bindings annotation (or
// the whole annotations map) and a container's securityContext.
var patchPath = regexp.MustCompile(`^(/metadata/annotations(/spo\.x-k8s\.io~1bindings)?|/spec/(initContainers|containers)/\d+/securityContext(/seccompProfile|/seLinuxOptions(/type)?)?)$`)

// FuzzMutate feeds arbitrary pods and bindings to Mutate: it must never
// panic, its patch must apply to the pod, touch only the fields a binding
// owns, and be complete (a second pass over the patched pod changes
// nothing).
func FuzzMutate(f *testing.F) {
	f.Add([]byte(`{"spec":{"containers":[{"name":"c","image":"nginx:1.19.1"}]}}`), "nginx:1.19.1", "operator/ns/p.json", "t.process", true)
	f.Add([]byte(`{"metadata":{"annotations":{"spo.x-k8s.io/bindings":"x"}},"spec":{"securityContext":{"seccompProfile":{"type":"RuntimeDefault"}},"initContainers":[{"name":"i","image":"*","securityContext":{"seLinuxOptions":{"level":"s0"}}}],"containers":[{"name":"c","image":"a","securityContext":{}}]}}`), "*", "", "x", false)
	f.Add([]byte(`{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"c","image":"a"},{"name":"d","image":"b","securityContext":{"seccompProfile":{"type":"RuntimeDefault"}}}]}}`), "b", "operator/ns/p.json", "t.process", false)
	f.Add([]byte(`{"metadata":{"annotations":{"record.spo.x-k8s.io/c":"r/logs/SeccompProfile"}},"spec":{"containers":[{"name":"c","image":"a"},{"name":"c","image":"a"}]}}`), "a", "p", "", true)
	f.Fuzz(func(t *testing.T, raw []byte, image, value, selType string, blocked bool) {
		// Real bindings and pods come from JSON, so their strings are
		// valid UTF-8; others would be rewritten by encoding alone.
		if !utf8.ValidString(image) || !utf8.ValidString(value) || !utf8.ValidString(selType) {
			return
		}
		pod := &corev1.Pod{}
		if err := json.Unmarshal(raw, pod); err != nil {
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
		if blocked {
			bindings = append(bindings, Binding{Name: "raw", Image: image, Kind: "RawSelinuxProfile"})
		}
		res := Mutate(pod, bindings)
		for _, op := range res.Patch {
			if !patchPath.MatchString(op.Path) || (op.Operation != "add" && op.Operation != "replace") {
				t.Fatalf("patch touches %s %s", op.Operation, op.Path)
			}
		}
		if max := 1 + 2*(len(pod.Spec.Containers)+len(pod.Spec.InitContainers)); len(res.Patch) > max {
			t.Fatalf("%d operations for a pod allowing at most %d", len(res.Patch), max)
		}
		patched, err := podpatch.Apply(pod, res.Patch)
		if err != nil {
			t.Fatal(err)
		}
		if again := Mutate(patched, bindings); len(again.Patch) != 0 {
			t.Fatalf("second pass still patches %+v", again.Patch)
		}
	})
}
