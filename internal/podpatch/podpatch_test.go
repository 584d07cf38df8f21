package podpatch

import (
	"testing"

	"gomodules.xyz/jsonpatch/v2"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var (
	other = Localhost("operator/ns/other.json")
	want  = Localhost("operator/ns/p.json")
)

// buildCases is the TestBuild table.
var buildCases = []struct {
	name    string
	pod     corev1.Pod
	changes Changes
	ops     []string // "op path"
}{{
	name:    "no security context: added whole",
	pod:     pod(corev1.Container{Name: "a"}),
	changes: Changes{Containers: map[ContainerRef]Security{{Index: 0}: {Seccomp: want, SELinuxType: "t.process", AppArmor: LocalhostAppArmor("p")}}},
	ops:     []string{"add /spec/containers/0/securityContext"},
}, {
	name:    "empty security context: fields added",
	pod:     pod(corev1.Container{Name: "a", SecurityContext: &corev1.SecurityContext{}}),
	changes: Changes{Containers: map[ContainerRef]Security{{Index: 0}: {Seccomp: want, SELinuxType: "t.process"}}},
	ops:     []string{"add /spec/containers/0/securityContext/seccompProfile", "add /spec/containers/0/securityContext/seLinuxOptions"},
}, {
	name: "different values replaced, other SELinux options kept",
	pod: pod(corev1.Container{Name: "a", SecurityContext: &corev1.SecurityContext{
		SeccompProfile: other, SELinuxOptions: &corev1.SELinuxOptions{Level: "s0", Type: "old"},
	}}),
	changes: Changes{Containers: map[ContainerRef]Security{{Index: 0}: {Seccomp: want, SELinuxType: "t.process"}}},
	ops:     []string{"replace /spec/containers/0/securityContext/seccompProfile", "replace /spec/containers/0/securityContext/seLinuxOptions/type"},
}, {
	name: "AppArmor profile added next to an existing field, a different one replaced",
	pod: pod(corev1.Container{Name: "a", SecurityContext: &corev1.SecurityContext{SeccompProfile: want}},
		corev1.Container{Name: "b", SecurityContext: &corev1.SecurityContext{AppArmorProfile: &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeRuntimeDefault}}}),
	changes: Changes{Containers: map[ContainerRef]Security{{Index: 0}: {Seccomp: want, AppArmor: LocalhostAppArmor("p")}, {Index: 1}: {AppArmor: LocalhostAppArmor("p")}}},
	ops:     []string{"add /spec/containers/0/securityContext/appArmorProfile", "replace /spec/containers/1/securityContext/appArmorProfile"},
}, {
	name:    "SELinux options without type: type added",
	pod:     pod(corev1.Container{Name: "a", SecurityContext: &corev1.SecurityContext{SELinuxOptions: &corev1.SELinuxOptions{Level: "s0"}}}),
	changes: Changes{Containers: map[ContainerRef]Security{{Index: 0}: {SELinuxType: "t.process"}}},
	ops:     []string{"add /spec/containers/0/securityContext/seLinuxOptions/type"},
}, {
	name:    "same values: no operation",
	pod:     pod(corev1.Container{Name: "a", SecurityContext: &corev1.SecurityContext{SeccompProfile: Localhost("operator/ns/p.json")}}),
	changes: Changes{Containers: map[ContainerRef]Security{{Index: 0}: {Seccomp: want}}},
}, {
	name:    "init container and out-of-range ref",
	pod:     withInit(pod(corev1.Container{Name: "a"}), corev1.Container{Name: "i"}),
	changes: Changes{Containers: map[ContainerRef]Security{{Init: true}: {Seccomp: want}, {Index: 5}: {Seccomp: want}}},
	ops:     []string{"add /spec/initContainers/0/securityContext"},
}, {
	name:    "labels and annotations: missing maps added whole",
	pod:     pod(corev1.Container{Name: "a"}),
	changes: Changes{Labels: map[string]string{"spo.x-k8s.io/x": "1"}, Annotations: map[string]string{"b": "2", "a": "1"}},
	ops:     []string{"add /metadata/labels", "add /metadata/annotations"},
}, {
	name: "existing maps: keys escaped, added or replaced, unchanged skipped",
	pod: func() corev1.Pod {
		p := pod(corev1.Container{Name: "a"})
		p.Labels = map[string]string{"keep": "v", "spo.x-k8s.io/x": "old"}
		p.Annotations = map[string]string{"same": "v"}
		return p
	}(),
	changes: Changes{Labels: map[string]string{"keep": "v", "spo.x-k8s.io/x": "new", "a~b": "1"}, Annotations: map[string]string{"same": "v"}},
	ops:     []string{"add /metadata/labels/a~0b", "replace /metadata/labels/spo.x-k8s.io~1x"},
}, {
	name:    "scheduling gate on a pod without gates adds the list",
	pod:     pod(corev1.Container{Name: "a"}),
	changes: Changes{SchedulingGates: []string{"spo.x-k8s.io/g", "spo.x-k8s.io/g"}},
	ops:     []string{"add /spec/schedulingGates"},
}, {
	name: "scheduling gate appends to other gates and never repeats one",
	pod: func() corev1.Pod {
		p := pod(corev1.Container{Name: "a"})
		p.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "example.com/other"}, {Name: "spo.x-k8s.io/have"}}
		return p
	}(),
	changes: Changes{SchedulingGates: []string{"spo.x-k8s.io/have", "spo.x-k8s.io/g"}},
	ops:     []string{"add /spec/schedulingGates/-"},
}}

func TestBuild(t *testing.T) {
	for _, tc := range buildCases {
		t.Run(tc.name, func(t *testing.T) {
			ops := Build(&tc.pod, tc.changes)
			if got := opStrings(ops); !equal(got, tc.ops) {
				t.Fatalf("ops %v, want %v", got, tc.ops)
			}
			patched := mustApply(t, &tc.pod, ops)
			if again := Build(patched, tc.changes); len(again) != 0 {
				t.Errorf("patch is not complete: %v remain", opStrings(again))
			}
		})
	}
}

// mustApply applies ops or fails the test.
func mustApply(t *testing.T, pod *corev1.Pod, ops []jsonpatch.JsonPatchOperation) *corev1.Pod {
	t.Helper()
	out, err := Apply(pod, ops)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func pod(cs ...corev1.Container) corev1.Pod {
	return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Spec: corev1.PodSpec{Containers: cs}}
}

func withInit(p corev1.Pod, cs ...corev1.Container) corev1.Pod {
	p.Spec.InitContainers = cs
	return p
}

func opStrings(ops []jsonpatch.JsonPatchOperation) []string {
	var out []string
	for _, op := range ops {
		out = append(out, op.Operation+" "+op.Path)
	}
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
