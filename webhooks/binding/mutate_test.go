package binding

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/securityprofiles/operator/apis/keys"
	profilebindingv1alpha1 "github.com/securityprofiles/operator/apis/profilebinding/v1alpha1"
	"github.com/securityprofiles/operator/internal/podpatch"
)

const (
	nginx    = "nginx:1.19.1"
	redis    = "redis:6.2.1"
	nginxSP  = "operator/ns/profile-complain.json"
	otherSP  = "operator/ns/other.json"
	nginxSEL = "nginx-secure_ns.process"
)

func seccomp(name, image, value string) Binding {
	return Binding{Name: name, Image: image, Kind: profilebindingv1alpha1.ProfileKindSeccomp, Value: value}
}

func selinux(name, image, value string) Binding {
	return Binding{Name: name, Image: image, Kind: profilebindingv1alpha1.ProfileKindSelinux, Value: value}
}

func apparmor(name, image, value string) Binding {
	return Binding{Name: name, Image: image, Kind: profilebindingv1alpha1.ProfileKindAppArmor, Value: value}
}

func ctr(name, image string) corev1.Container { return corev1.Container{Name: name, Image: image} }

func withSeccomp(c corev1.Container, sp *corev1.SeccompProfile) corev1.Container {
	c.SecurityContext = &corev1.SecurityContext{SeccompProfile: sp}
	return c
}

// want is the expected seccomp path, SELinux type and AppArmor profile
// (see currentAppArmor) per container name after the patch ("" for none).
type want map[string][3]string

// notInstalled is a binding whose profile is still Pending.
var notInstalled = func() Binding {
	b := seccomp("pending", nginx, "")
	b.Reason, b.Problem = ReasonProfileNotInstalled, "SeccompProfile ns/p is Pending, not Installed yet"
	return b
}()

// mutateCases is the TestMutate table.
var mutateCases = []struct {
	name     string
	pod      corev1.Pod
	bindings []Binding
	// appArmor is Mutate's appArmorProfiles.
	appArmor map[string]bool
	want     want
	applied  []string
	blocked  []string
	warns    []string // substrings, in order
}{{
	name: "manual nginx-binding example", pod: pod(ctr("c", nginx)),
	bindings: []Binding{seccomp("nginx-binding", nginx, nginxSP)},
	want:     want{"c": {nginxSP}}, applied: []string{"nginx-binding"},
}, {
	name: "exact string: other tags, digests and registries do not match", pod: pod(ctr("a", "nginx"), ctr("b", "nginx:1.19"), ctr("c", "docker.io/library/nginx:1.19.1"), ctr("d", "nginx@sha256:abc")),
	bindings: []Binding{seccomp("nginx-binding", nginx, nginxSP)},
	want:     want{"a": {}, "b": {}, "c": {}, "d": {}},
}, {
	name: "two containers with different images", pod: pod(ctr("web", nginx), ctr("cache", redis)),
	bindings: []Binding{seccomp("b-nginx", nginx, nginxSP), seccomp("b-redis", redis, otherSP)},
	want:     want{"web": {nginxSP}, "cache": {otherSP}}, applied: []string{"b-nginx", "b-redis"},
}, {
	name: "init containers are bound too", pod: withInit(pod(ctr("main", redis)), ctr("init", nginx)),
	bindings: []Binding{seccomp("nginx-binding", nginx, nginxSP)},
	want:     want{"init": {nginxSP}, "main": {}}, applied: []string{"nginx-binding"},
}, {
	name: "star binds every container without its own setting", pod: pod(ctr("a", nginx), withSeccomp(ctr("b", redis), &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault})),
	bindings: []Binding{seccomp("all", "*", otherSP)},
	want:     want{"a": {otherSP}, "b": {"<RuntimeDefault>"}}, applied: []string{"all"},
}, {
	name: "star does not override a pod-level profile", pod: podLevel(pod(ctr("a", nginx)), podpatch.Localhost(nginxSP)),
	bindings: []Binding{seccomp("all", "*", otherSP)},
	want:     want{"a": {nginxSP}},
}, {
	name: "exact image beats star", pod: pod(ctr("a", nginx), ctr("b", redis)),
	bindings: []Binding{seccomp("all", "*", otherSP), seccomp("nginx-binding", nginx, nginxSP)},
	want:     want{"a": {nginxSP}, "b": {otherSP}}, applied: []string{"all", "nginx-binding"},
}, {
	name: "exact image replaces the container's own different profile, with a warning", pod: pod(withSeccomp(ctr("a", nginx), podpatch.Localhost(otherSP))),
	bindings: []Binding{seccomp("nginx-binding", nginx, nginxSP)},
	want:     want{"a": {nginxSP}}, applied: []string{"nginx-binding"},
	warns: []string{`container "a": ProfileBinding nginx-binding replaces its own seccomp profile Localhost ` + otherSP},
}, {
	name: "already the bound profile: no patch, still applied", pod: pod(withSeccomp(ctr("a", nginx), podpatch.Localhost(nginxSP))),
	bindings: []Binding{seccomp("nginx-binding", nginx, nginxSP)},
	want:     want{"a": {nginxSP}}, applied: []string{"nginx-binding"},
}, {
	name: "SELinux binding sets the usage type next to a seccomp binding", pod: pod(ctr("a", nginx)),
	bindings: []Binding{selinux("sel", nginx, nginxSEL), seccomp("sec", nginx, nginxSP)},
	want:     want{"a": {nginxSP, nginxSEL}}, applied: []string{"sec", "sel"},
}, {
	name: "conflicting exact bindings: first by name wins, warned", pod: pod(ctr("a", nginx)),
	bindings: []Binding{seccomp("zeta", nginx, otherSP), seccomp("alpha", nginx, nginxSP)},
	want:     want{"a": {nginxSP}}, applied: []string{"alpha"},
	warns: []string{"ProfileBindings alpha and zeta both bind"},
}, {
	name: "profile not installed: admitted unchanged, warned, blocked", pod: pod(ctr("a", nginx)),
	bindings: []Binding{notInstalled},
	want:     want{"a": {}}, blocked: []string{"pending"},
	warns: []string{"ProfileBinding pending not applied: SeccompProfile ns/p is Pending"},
}, {
	name: "profile not installed but held at the scheduling gate: applied, no warning", pod: pod(ctr("a", nginx)),
	bindings: []Binding{func() Binding { b := notInstalled; b.Held, b.Value = true, nginxSP; return b }()},
	want:     want{"a": {nginxSP}}, applied: []string{"pending"},
}, {
	name: "unsupported kind is blocked with a clear message", pod: pod(ctr("a", nginx)),
	bindings: []Binding{{Name: "raw", Image: nginx, Kind: "RawSelinuxProfile"}},
	want:     want{"a": {}}, blocked: []string{"raw"},
	warns: []string{`profileRef.kind "RawSelinuxProfile" cannot be bound`},
}, {
	name: "podSelector without image binds every container of a matching pod that sets none itself", pod: labelled(pod(ctr("a", nginx), withSeccomp(ctr("b", redis), &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}))),
	bindings: []Binding{selected(seccomp("team", "", otherSP), "team=a")},
	want:     want{"a": {otherSP}, "b": {"<RuntimeDefault>"}}, applied: []string{"team"},
}, {
	name: "podSelector that does not match the pod's labels binds nothing", pod: labelled(pod(ctr("a", nginx))),
	bindings: []Binding{selected(seccomp("team", "", otherSP), "team=b"), selected(seccomp("nginx-team", nginx, nginxSP), "team in (b, c)")},
	want:     want{"a": {}},
}, {
	name: "podSelector with image binds only that image in matching pods", pod: labelled(pod(ctr("a", nginx), ctr("b", redis))),
	bindings: []Binding{selected(seccomp("nginx-team", nginx, nginxSP), "team")},
	want:     want{"a": {nginxSP}, "b": {}}, applied: []string{"nginx-team"},
}, {
	name: "precedence: image and podSelector, then image, then podSelector, then star, whatever the names", pod: labelled(pod(ctr("a", nginx), ctr("b", redis))),
	bindings: ranked("a-all", "b-sel", "c-img", "d-both"),
	want:     want{"a": {pathOf("d-both")}, "b": {pathOf("b-sel")}}, applied: []string{"b-sel", "d-both"},
}, {
	name: "precedence: image only beats podSelector only", pod: labelled(pod(ctr("a", nginx), ctr("b", redis))),
	bindings: ranked("a-all", "b-sel", "c-img"),
	want:     want{"a": {pathOf("c-img")}, "b": {pathOf("b-sel")}}, applied: []string{"b-sel", "c-img"},
}, {
	name: "precedence: podSelector only beats star", pod: labelled(pod(ctr("a", nginx))),
	bindings: ranked("a-all", "b-sel"),
	want:     want{"a": {pathOf("b-sel")}}, applied: []string{"b-sel"},
}, {
	name: "precedence: star with podSelector ranks as podSelector only", pod: labelled(pod(ctr("a", nginx))),
	bindings: []Binding{seccomp("a-all", "*", pathOf("a-all")), selected(seccomp("b-sel", "*", pathOf("b-sel")), "team=a")},
	want:     want{"a": {pathOf("b-sel")}}, applied: []string{"b-sel"},
}, {
	name: "podSelector only does not override the container's own profile, image and podSelector does", pod: labelled(pod(withSeccomp(ctr("a", nginx), podpatch.Localhost(otherSP)), withSeccomp(ctr("b", redis), podpatch.Localhost(otherSP)))),
	bindings: []Binding{selected(seccomp("sel", "", pathOf("sel")), "team=a"), selected(seccomp("both", nginx, nginxSP), "team=a")},
	want:     want{"a": {nginxSP}, "b": {otherSP}}, applied: []string{"both"},
	warns: []string{`container "a": ProfileBinding both replaces its own seccomp profile`},
}, {
	name: "two podSelector-only bindings: first by name wins, warned", pod: labelled(pod(ctr("a", nginx))),
	bindings: []Binding{selected(seccomp("zeta", "", otherSP), "team=a"), selected(seccomp("alpha", "", nginxSP), "team")},
	want:     want{"a": {nginxSP}}, applied: []string{"alpha"},
	warns: []string{"ProfileBindings alpha and zeta both bind"},
}, {
	name: "container recorded with the logs recorder is left alone", pod: annotated(pod(ctr("a", nginx)), keys.RecordingAnnotationKey("a"), "rec/logs/SeccompProfile"),
	bindings: []Binding{seccomp("nginx-binding", nginx, nginxSP)},
	want:     want{"a": {}}, warns: []string{"being recorded with the logs recorder"},
}, {
	name: "AppArmor binding sets the Localhost field", pod: pod(ctr("a", nginx), ctr("b", redis)),
	bindings: []Binding{apparmor("aa", nginx, "test-profile")},
	want:     want{"a": {"", "", "test-profile"}, "b": {}}, applied: []string{"aa"},
}, {
	name: "AppArmor binding naming the image replaces the container's annotation too, so both agree", pod: annotated(pod(ctr("a", nginx)), appArmorAnnotation("a"), "runtime/default"),
	bindings: []Binding{apparmor("aa", nginx, "test-profile")},
	want:     want{"a": {"", "", "test-profile"}}, applied: []string{"aa"},
	warns: []string{`container "a": ProfileBinding aa replaces its own AppArmor profile RuntimeDefault with Localhost test-profile`},
}, {
	name: "star AppArmor binding leaves a container's own annotation and a pod-level profile alone", pod: func() corev1.Pod {
		p := annotated(pod(ctr("a", nginx), ctr("b", redis)), appArmorAnnotation("a"), "unconfined")
		p.Spec.SecurityContext = &corev1.PodSecurityContext{AppArmorProfile: &corev1.AppArmorProfile{Type: corev1.AppArmorProfileTypeRuntimeDefault}}
		return p
	}(),
	bindings: []Binding{apparmor("all", "*", "test-profile")},
	want:     want{"a": {"", "", "<Unconfined>"}, "b": {"", "", "<RuntimeDefault>"}},
}, {
	name: "the manual's bare annotation naming an AppArmorProfile becomes localhost/ and sets the field", pod: annotated(pod(ctr("a", nginx)), appArmorAnnotation("a"), "test-profile"),
	appArmor: map[string]bool{"test-profile": true},
	want:     want{"a": {"", "", "test-profile"}},
}, {
	name: "a bare annotation naming no AppArmorProfile is left alone, warned", pod: annotated(pod(ctr("a", nginx)), appArmorAnnotation("a"), "missing"),
	appArmor: map[string]bool{"test-profile": true},
	want:     want{"a": {"", "", "missing"}},
	warns:    []string{`container "a": annotation container.apparmor.security.beta.kubernetes.io/a names "missing", but there is no AppArmorProfile "missing" in the pod's namespace`},
}}

func TestMutate(t *testing.T) {
	for _, tc := range mutateCases {
		t.Run(tc.name, func(t *testing.T) {
			res := Mutate(&tc.pod, tc.bindings, tc.appArmor)
			patched, err := podpatch.Apply(&tc.pod, res.Patch)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range append(slices.Clone(patched.Spec.InitContainers), patched.Spec.Containers...) {
				w := tc.want[c.Name]
				if got := currentSeccomp(patched, &c); got != w[0] {
					t.Errorf("container %s: seccomp %q, want %q", c.Name, got, w[0])
				}
				if got := currentSELinuxType(patched, &c); got != w[1] {
					t.Errorf("container %s: SELinux type %q, want %q", c.Name, got, w[1])
				}
				if got := currentAppArmor(patched, &c); got != w[2] {
					t.Errorf("container %s: AppArmor %q, want %q", c.Name, got, w[2])
				}
				checkAppArmorAgrees(t, patched, &c)
			}
			checkNames(t, "applied", res.Applied, tc.applied)
			var blocked []string
			for _, b := range res.Blocked {
				blocked = append(blocked, b.Name)
			}
			checkNames(t, "blocked", blocked, tc.blocked)
			if got := patched.Annotations[keys.BindingsAnnotation]; got != strings.Join(tc.applied, ",") {
				t.Errorf("bindings annotation %q", got)
			}
			checkWarnings(t, res.Warnings, tc.warns)
			if again := Mutate(patched, tc.bindings, tc.appArmor); len(again.Patch) != 0 || !slices.Equal(again.Applied, res.Applied) {
				t.Errorf("not idempotent: second pass patches %v, applies %v", again.Patch, again.Applied)
			}
		})
	}
}

func TestRelevant(t *testing.T) {
	p := labelled(pod(ctr("a", nginx)))
	spec := func(image, selector string) *profilebindingv1alpha1.ProfileBindingSpec {
		s := &profilebindingv1alpha1.ProfileBindingSpec{Image: image}
		if selector != "" {
			sel, err := metav1.ParseToLabelSelector(selector)
			if err != nil {
				t.Fatal(err)
			}
			s.PodSelector = sel
		}
		return s
	}
	invalid := &profilebindingv1alpha1.ProfileBindingSpec{Image: nginx, PodSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"not a key": "x"}}}
	for _, tc := range []struct {
		name     string
		spec     *profilebindingv1alpha1.ProfileBindingSpec
		relevant bool
		selector bool
		err      bool
	}{
		{name: "image matches", spec: spec(nginx, ""), relevant: true},
		{name: "image does not match", spec: spec(redis, "")},
		{name: "star", spec: spec("*", ""), relevant: true},
		{name: "neither image nor podSelector", spec: spec("", "")},
		{name: "podSelector matches", spec: spec("", "team=a"), relevant: true, selector: true},
		{name: "podSelector does not match", spec: spec("", "team=b"), selector: true},
		{name: "image matches, podSelector does not", spec: spec(nginx, "team notin (a)"), selector: true},
		{name: "invalid podSelector", spec: invalid, err: true},
		{name: "invalid podSelector is not parsed when the image does not match", spec: &profilebindingv1alpha1.ProfileBindingSpec{Image: redis, PodSelector: invalid.PodSelector}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sel, relevant, err := Relevant(&p, tc.spec)
			if relevant != tc.relevant || (sel != nil) != tc.selector || (err != nil) != tc.err {
				t.Errorf("Relevant = %v, %v, %v; want relevant %v, selector %v, error %v", sel, relevant, err, tc.relevant, tc.selector, tc.err)
			}
		})
	}
}

func TestMutateAuditModeLabelsThePod(t *testing.T) {
	audit := seccomp("audit", nginx, "operator/ns/audit/p.json")
	audit.Mode = profilebindingv1alpha1.ModeAudit
	p := pod(ctr("a", nginx))
	res := Mutate(&p, []Binding{audit}, nil)
	patched, err := podpatch.Apply(&p, res.Patch)
	if err != nil {
		t.Fatal(err)
	}
	if got := currentSeccomp(patched, &patched.Spec.Containers[0]); got != "operator/ns/audit/p.json" {
		t.Errorf("seccomp %q", got)
	}
	if _, ok := patched.Labels[keys.EnableRecordingLabel]; !ok {
		t.Errorf("audit-mode pod lacks %s, so a memory-optimised daemon would not see it: %v", keys.EnableRecordingLabel, patched.Labels)
	}
	enforce := Mutate(&p, []Binding{seccomp("enforce", nginx, nginxSP)}, nil)
	if enforced, _ := podpatch.Apply(&p, enforce.Patch); enforced.Labels[keys.EnableRecordingLabel] != "" {
		t.Errorf("enforce-mode pod labelled: %v", enforced.Labels)
	}
}

func TestActiveWorkloads(t *testing.T) {
	now := metav1.Now()
	pods := []metav1.PartialObjectMetadata{
		{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "b", Annotations: map[string]string{keys.BindingsAnnotation: "x,y"}}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "a", Annotations: map[string]string{keys.BindingsAnnotation: "y"}}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "c", Annotations: map[string]string{keys.BindingsAnnotation: "y"}, DeletionTimestamp: &now}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "d", Annotations: map[string]string{keys.BindingsAnnotation: "yy"}}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "e"}},
	}
	checkNames(t, "y", ActiveWorkloads("y", pods), []string{"ns/a", "ns/b"})
	checkNames(t, "x", ActiveWorkloads("x", pods), []string{"ns/b"})
	checkNames(t, "z", ActiveWorkloads("z", pods), nil)
}

// checkAppArmorAgrees fails when a container's AppArmor annotation and
// field disagree, as the API server refuses such a pod on create.
func checkAppArmorAgrees(t *testing.T, p *corev1.Pod, c *corev1.Container) {
	t.Helper()
	v, ok := p.Annotations[appArmorAnnotation(c.Name)]
	if !ok || c.SecurityContext == nil || c.SecurityContext.AppArmorProfile == nil {
		return
	}
	field := c.SecurityContext.AppArmorProfile
	if field.Type != corev1.AppArmorProfileTypeLocalhost || field.LocalhostProfile == nil || v != "localhost/"+*field.LocalhostProfile {
		t.Errorf("container %s: annotation %q disagrees with field %+v", c.Name, v, field)
	}
}

func checkNames(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s: %v, want %v", what, got, want)
	}
}

func checkWarnings(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("warnings %q, want %d matching %q", got, len(want), want)
		return
	}
	for i := range want {
		if !strings.Contains(got[i], want[i]) {
			t.Errorf("warning %d %q does not contain %q", i, got[i], want[i])
		}
	}
}

func pod(cs ...corev1.Container) corev1.Pod {
	return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"}, Spec: corev1.PodSpec{Containers: cs}}
}

func withInit(p corev1.Pod, cs ...corev1.Container) corev1.Pod {
	p.Spec.InitContainers = cs
	return p
}

func podLevel(p corev1.Pod, sp *corev1.SeccompProfile) corev1.Pod {
	p.Spec.SecurityContext = &corev1.PodSecurityContext{SeccompProfile: sp}
	return p
}

// selected gives b the podSelector selector, in kubectl's syntax.
func selected(b Binding, selector string) Binding {
	sel, err := labels.Parse(selector)
	if err != nil {
		panic(err)
	}
	b.Selector = sel
	return b
}

// labelled gives p the label team=a.
func labelled(p corev1.Pod) corev1.Pod {
	p.Labels = map[string]string{"team": "a"}
	return p
}

// pathOf is the seccomp path of the binding named name in ranked.
func pathOf(name string) string { return "operator/ns/" + name + ".json" }

// ranked returns seccomp bindings that all match nginx containers of a
// labelled pod, each with its own profile: "a-all" is "*", "b-sel"
// selects team=a, "c-img" names nginx, "d-both" names nginx and selects
// team=a. Their names sort least specific first, so name order cannot
// decide.
func ranked(names ...string) []Binding {
	all := map[string]Binding{
		"a-all":  seccomp("a-all", "*", pathOf("a-all")),
		"b-sel":  selected(seccomp("b-sel", "", pathOf("b-sel")), "team=a"),
		"c-img":  seccomp("c-img", nginx, pathOf("c-img")),
		"d-both": selected(seccomp("d-both", nginx, pathOf("d-both")), "team=a"),
	}
	var out []Binding
	for _, n := range names {
		out = append(out, all[n])
	}
	return out
}

func annotated(p corev1.Pod, k, v string) corev1.Pod {
	p.Annotations = map[string]string{k: v}
	return p
}
