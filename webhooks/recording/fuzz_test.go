package recording

import (
	"encoding/json"
	"regexp"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	profilerecordingv1alpha1 "github.com/securityprofiles/operator/apis/profilerecording/v1alpha1"
	"github.com/securityprofiles/operator/internal/podpatch"
)

// patchPath is every path Mutate may touch: the enable-recording label,
// recording annotations, and a container's securityContext.
var patchPath = regexp.MustCompile(`^(/metadata/labels(/spo\.x-k8s\.io~1enable-recording)?|/metadata/annotations(/record\.spo\.x-k8s\.io~1.*)?|/spec/(initContainers|containers)/\d+/securityContext(/seccompProfile|/seLinuxOptions(/type)?)?)$`)

// FuzzMutate feeds arbitrary pods and recordings to Mutate: it must never
// panic, and its patch must apply, touch only what recording owns, and be
// complete (a second pass changes nothing).
func FuzzMutate(f *testing.F) {
	f.Add([]byte(`{"metadata":{"labels":{"app":"my-app"}},"spec":{"containers":[{"name":"nginx"},{"name":"redis","securityContext":{"privileged":true}}]}}`), "app", "my-app", uint8(0), "")
	f.Add([]byte(`{"metadata":{"labels":{"app":"x","spo.x-k8s.io/enable-recording":""},"annotations":{"record.spo.x-k8s.io/c":"junk"}},"spec":{"initContainers":[{"name":"c","securityContext":{"seLinuxOptions":{"user":"u"}}}],"containers":[{"name":"c"}]}}`), "app", "x", uint8(3), "c")
	f.Fuzz(func(t *testing.T, raw []byte, key, value string, mode uint8, only string) {
		pod := &corev1.Pod{}
		if err := json.Unmarshal(raw, pod); err != nil {
			return
		}
		kinds := []profilerecordingv1alpha1.RecordingKind{profilerecordingv1alpha1.RecordingKindSeccomp, profilerecordingv1alpha1.RecordingKindSelinux}
		recorders := []profilerecordingv1alpha1.Recorder{profilerecordingv1alpha1.RecorderLogs, profilerecordingv1alpha1.RecorderBPF}
		var ctrs []string
		if only != "" {
			ctrs = []string{only}
		}
		recs := []profilerecordingv1alpha1.ProfileRecording{
			rec("a", kinds[mode&1], recorders[(mode>>1)&1], map[string]string{key: value}, ctrs...),
			rec("b", kinds[(mode>>2)&1], recorders[(mode>>3)&1], nil),
		}
		recs[1].Spec.PodSelector = metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: key, Operator: metav1.LabelSelectorOpExists}}}
		res := Mutate(pod, recs)
		for _, op := range res.Patch {
			if !patchPath.MatchString(op.Path) || (op.Operation != "add" && op.Operation != "replace") {
				t.Fatalf("patch touches %s %s", op.Operation, op.Path)
			}
		}
		patched, err := podpatch.Apply(pod, res.Patch)
		if err != nil {
			t.Fatal(err)
		}
		if again := Mutate(patched, recs); len(again.Patch) != 0 {
			t.Fatalf("second pass still patches %+v", again.Patch)
		}
	})
}
