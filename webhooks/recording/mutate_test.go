package recording

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/securityprofiles/operator/apis/keys"
	profilerecordingv1alpha1 "github.com/securityprofiles/operator/apis/profilerecording/v1alpha1"
	"github.com/securityprofiles/operator/internal/podpatch"
)

func rec(name string, kind profilerecordingv1alpha1.RecordingKind, recorder profilerecordingv1alpha1.Recorder, sel map[string]string, ctrs ...string) profilerecordingv1alpha1.ProfileRecording {
	return profilerecordingv1alpha1.ProfileRecording{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns"},
		Spec: profilerecordingv1alpha1.ProfileRecordingSpec{
			Kind: kind, Recorder: recorder, PodSelector: metav1.LabelSelector{MatchLabels: sel}, Containers: ctrs,
		},
	}
}

const (
	sc  = profilerecordingv1alpha1.RecordingKindSeccomp
	sel = profilerecordingv1alpha1.RecordingKindSelinux
	lg  = profilerecordingv1alpha1.RecorderLogs
	bpf = profilerecordingv1alpha1.RecorderBPF
)

var myApp = map[string]string{"app": "my-app"}

// expect is, per container, the annotation value and the seccomp path or
// SELinux type it ends up with ("" for none).
type expect map[string][3]string

var privileged = true

// mutateCases is the TestMutate table.
var mutateCases = []struct {
	name       string
	pod        corev1.Pod
	recs       []profilerecordingv1alpha1.ProfileRecording
	want       expect
	recordings []string
	refused    []string
	warns      []string
}{{
	name: "manual example: logs recorder, two containers",
	pod:  pod(myApp, ctr("nginx"), ctr("redis")),
	recs: []profilerecordingv1alpha1.ProfileRecording{rec("test-recording", sc, lg, myApp)},
	want: expect{
		"nginx": {"test-recording/logs/SeccompProfile", keys.LogAllProfilePath},
		"redis": {"test-recording/logs/SeccompProfile", keys.LogAllProfilePath},
	},
	recordings: []string{"test-recording"},
}, {
	name: "non-matching pod is untouched",
	pod:  pod(map[string]string{"app": "other"}, ctr("nginx")),
	recs: []profilerecordingv1alpha1.ProfileRecording{rec("test-recording", sc, lg, myApp)},
	want: expect{"nginx": {}},
}, {
	name:       "bpf recorder annotates without changing the profile; containers filter and init containers",
	pod:        withInit(pod(myApp, ctr("nginx"), ctr("sidecar")), ctr("init")),
	recs:       []profilerecordingv1alpha1.ProfileRecording{rec("my-recording", sc, bpf, myApp, "nginx", "init")},
	want:       expect{"nginx": {"my-recording/bpf/SeccompProfile"}, "init": {"my-recording/bpf/SeccompProfile"}, "sidecar": {}},
	recordings: []string{"my-recording"},
}, {
	name:       "SELinux logs recording sets the recording type",
	pod:        pod(myApp, ctr("nginx")),
	recs:       []profilerecordingv1alpha1.ProfileRecording{rec("se", sel, lg, myApp)},
	want:       expect{"nginx": {"se/logs/SelinuxProfile", "", keys.SelinuxRecordingType}},
	recordings: []string{"se"},
}, {
	name:    "SELinux with bpf is refused with a clear message",
	pod:     pod(myApp, ctr("nginx")),
	recs:    []profilerecordingv1alpha1.ProfileRecording{rec("bad", sel, bpf, myApp)},
	want:    expect{"nginx": {}},
	refused: []string{"bad"},
	warns:   []string{"ProfileRecording bad cannot record this pod: recorder bpf records only kind SeccompProfile"},
}, {
	name: "privileged container is warned about",
	pod: func() corev1.Pod {
		p := pod(myApp, ctr("nginx"))
		p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{Privileged: &privileged}
		return p
	}(),
	recs:       []profilerecordingv1alpha1.ProfileRecording{rec("r", sc, lg, myApp)},
	want:       expect{"nginx": {"r/logs/SeccompProfile", keys.LogAllProfilePath}},
	recordings: []string{"r"},
	warns:      []string{`container "nginx" is privileged`},
}, {
	name: "own profile replaced while recording, with a warning",
	pod: func() corev1.Pod {
		p := pod(myApp, ctr("nginx"))
		p.Spec.Containers[0].SecurityContext = &corev1.SecurityContext{SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}}
		return p
	}(),
	recs:       []profilerecordingv1alpha1.ProfileRecording{rec("r", sc, lg, myApp)},
	want:       expect{"nginx": {"r/logs/SeccompProfile", keys.LogAllProfilePath}},
	recordings: []string{"r"},
	warns:      []string{"replaces its seccomp profile with the log-all profile"},
}, {
	name:       "two recordings select the same container: first by name wins",
	pod:        pod(myApp, ctr("nginx")),
	recs:       []profilerecordingv1alpha1.ProfileRecording{rec("zz", sc, bpf, myApp), rec("aa", sc, lg, nil)},
	want:       expect{"nginx": {"aa/logs/SeccompProfile", keys.LogAllProfilePath}},
	recordings: []string{"aa"},
	warns:      []string{`container "nginx" is already recorded by ProfileRecording aa; ProfileRecording zz skips it`},
}}

func TestMutate(t *testing.T) {
	for _, tc := range mutateCases {
		t.Run(tc.name, func(t *testing.T) {
			res := Mutate(&tc.pod, tc.recs)
			patched, err := podpatch.Apply(&tc.pod, res.Patch)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range podpatch.Containers(patched) {
				c := l.Container
				w := tc.want[c.Name]
				got := [3]string{patched.Annotations[keys.RecordingAnnotationKey(c.Name)], "", ""}
				if c.SecurityContext != nil && c.SecurityContext.SeccompProfile != nil && c.SecurityContext.SeccompProfile.LocalhostProfile != nil {
					got[1] = *c.SecurityContext.SeccompProfile.LocalhostProfile
				}
				if c.SecurityContext != nil && c.SecurityContext.SELinuxOptions != nil {
					got[2] = c.SecurityContext.SELinuxOptions.Type
				}
				if got != w {
					t.Errorf("container %s: %q, want %q", c.Name, got, w)
				}
			}
			if !slices.Equal(res.Recordings, tc.recordings) {
				t.Errorf("recordings %v, want %v", res.Recordings, tc.recordings)
			}
			_, labelled := patched.Labels[keys.EnableRecordingLabel]
			if labelled != (len(tc.recordings) > 0) {
				t.Errorf("enable-recording label present: %v", labelled)
			}
			var refused []string
			for name := range res.Refused {
				refused = append(refused, name)
			}
			if !slices.Equal(refused, tc.refused) {
				t.Errorf("refused %v, want %v", refused, tc.refused)
			}
			if len(res.Warnings) != len(tc.warns) {
				t.Fatalf("warnings %q, want %q", res.Warnings, tc.warns)
			}
			for i := range tc.warns {
				if !strings.Contains(res.Warnings[i], tc.warns[i]) {
					t.Errorf("warning %q does not contain %q", res.Warnings[i], tc.warns[i])
				}
			}
			if again := Mutate(patched, tc.recs); len(again.Patch) != 0 {
				t.Errorf("not idempotent: %v", again.Patch)
			}
		})
	}
}

func TestActiveWorkloads(t *testing.T) {
	pods := []metav1.PartialObjectMetadata{
		{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "b", Annotations: map[string]string{keys.RecordingAnnotationKey("x"): "r/logs/SeccompProfile", keys.RecordingAnnotationKey("y"): "r/logs/SeccompProfile"}}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "a", Annotations: map[string]string{keys.RecordingAnnotationKey("x"): "r/bpf/SeccompProfile", "other": "r/logs/SeccompProfile"}}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "c", Annotations: map[string]string{keys.RecordingAnnotationKey("x"): "broken"}}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "d", Annotations: map[string]string{"other": "r/logs/SeccompProfile"}}},
	}
	if got := ActiveWorkloads("r", pods); !slices.Equal(got, []string{"ns/a", "ns/b"}) {
		t.Errorf("got %v", got)
	}
}

func pod(labels map[string]string, cs ...corev1.Container) corev1.Pod {
	return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "my-pod", Namespace: "ns", Labels: labels}, Spec: corev1.PodSpec{Containers: cs}}
}

func withInit(p corev1.Pod, cs ...corev1.Container) corev1.Pod {
	p.Spec.InitContainers = cs
	return p
}

func ctr(name string) corev1.Container {
	return corev1.Container{Name: name, Image: "quay.io/security-profiles-operator/test-" + name}
}
