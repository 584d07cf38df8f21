package selinuxcil

import (
	"fmt"
	"strings"
	"testing"

	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
)

// injection is text that would close the current list and add a
// statement, as in the upstream daemon's validation tests.
const injection = ") (typeattribute container_runtime_domain (process)"

// TestTranslateRefusesInjection: every name, key and permission that could
// add structure to the policy is an *InvalidError naming its field.
func TestTranslateRefusesInjection(t *testing.T) {
	okAllow := allow{"var_log_t": classes{"dir": perms("open")}}
	withAllow := func(a allow) *selinuxprofilev1alpha2.SelinuxProfile {
		return selinuxProfile("p", "ns", spec{Allow: a})
	}
	cases := []struct {
		name    string
		profile *selinuxprofilev1alpha2.SelinuxProfile
		field   string
	}{
		{"name parenthesis", selinuxProfile("p"+injection, "ns", spec{Allow: okAllow}), "metadata.name"},
		{"name blank", selinuxProfile("p q", "ns", spec{Allow: okAllow}), "metadata.name"},
		{"name dot", selinuxProfile("p.q", "ns", spec{Allow: okAllow}), "metadata.name"},
		{"name newline", selinuxProfile("p\n(in container", "ns", spec{Allow: okAllow}), "metadata.name"},
		{"name upper case", selinuxProfile("P", "ns", spec{Allow: okAllow}), "metadata.name"},
		{"name underscore", selinuxProfile("a_b", "ns", spec{Allow: okAllow}), "metadata.name"},
		{"name empty", selinuxProfile("", "ns", spec{Allow: okAllow}), "metadata.name"},
		{"name starts with a digit", selinuxProfile("1x", "ns", spec{Allow: okAllow}), "metadata.name"},
		{"name too long", selinuxProfile(strings.Repeat("a", 254), "ns", spec{Allow: okAllow}), "metadata.name"},
		{"policy name too long", selinuxProfile(strings.Repeat("a", 250), "ns", spec{Allow: okAllow}), "metadata.name"},
		{"namespace semicolon", selinuxProfile("p", "ns;x", spec{Allow: okAllow}), "metadata.namespace"},
		{"namespace quote", selinuxProfile("p", "n\"s", spec{Allow: okAllow}), "metadata.namespace"},
		{"namespace too long", selinuxProfile("p", strings.Repeat("n", 64), spec{Allow: okAllow}), "metadata.namespace"},

		{"type parenthesis", withAllow(allow{selinuxprofilev1alpha2.LabelKey("var_log_t" + injection): classes{"dir": perms("open")}}), `spec.allow["var_log_t) (typeattribute container_runtime_domain (process)"]`},
		{"type blank", withAllow(allow{"x y": classes{"dir": perms("open")}}), `spec.allow["x y"]`},
		{"type quote", withAllow(allow{`x"y`: classes{"dir": perms("open")}}), `spec.allow["x\"y"]`},
		{"type semicolon", withAllow(allow{"x;y": classes{"dir": perms("open")}}), `spec.allow["x;y"]`},
		{"type newline", withAllow(allow{"x\ny": classes{"dir": perms("open")}}), `spec.allow["x\ny"]`},
		{"type global", withAllow(allow{".shadow_t": classes{"dir": perms("open")}}), `spec.allow[".shadow_t"]`},
		{"type empty part", withAllow(allow{"foo..process": classes{"dir": perms("open")}}), `spec.allow["foo..process"]`},
		{"type trailing dot", withAllow(allow{"foo.": classes{"dir": perms("open")}}), `spec.allow["foo."]`},
		{"type other self", withAllow(allow{"@Self": classes{"dir": perms("open")}}), `spec.allow["@Self"]`},
		{"type too long", withAllow(allow{selinuxprofilev1alpha2.LabelKey(strings.Repeat("t", 129)): classes{"dir": perms("open")}}), fmt.Sprintf("spec.allow[%q]", strings.Repeat("t", 129))},
		{"type no classes", withAllow(allow{"var_log_t": classes{}}), `spec.allow["var_log_t"]`},

		{"class parenthesis", withAllow(allow{"var_log_t": classes{selinuxprofilev1alpha2.ObjectClassKey("dir" + injection): perms("open")}}), `spec.allow["var_log_t"]["dir) (typeattribute container_runtime_domain (process)"]`},
		{"class upper case", withAllow(allow{"var_log_t": classes{"Dir": perms("open")}}), `spec.allow["var_log_t"]["Dir"]`},
		{"class keyword list", withAllow(allow{"var_log_t": classes{"(all)": perms("open")}}), `spec.allow["var_log_t"]["(all)"]`},
		{"class too long", withAllow(allow{"var_log_t": classes{selinuxprofilev1alpha2.ObjectClassKey(strings.Repeat("c", 65)): perms("open")}}), fmt.Sprintf(`spec.allow["var_log_t"][%q]`, strings.Repeat("c", 65))},
		{"class no permissions", withAllow(allow{"var_log_t": classes{"dir": perms()}}), `spec.allow["var_log_t"]["dir"]`},

		{"permission parenthesis", withAllow(allow{"var_log_t": classes{"dir": perms("open", "write"+injection)}}), `spec.allow["var_log_t"]["dir"][1]`},
		{"permission blank", withAllow(allow{"var_log_t": classes{"dir": perms("open", "read", "a b")}}), `spec.allow["var_log_t"]["dir"][2]`},
		{"permission empty", withAllow(allow{"var_log_t": classes{"dir": perms("")}}), `spec.allow["var_log_t"]["dir"][0]`},
		{"permission not", withAllow(allow{"var_log_t": classes{"file": perms("not", "read")}}), `spec.allow["var_log_t"]["file"][0]`},
		{"permission all", withAllow(allow{"var_log_t": classes{"file": perms("all")}}), `spec.allow["var_log_t"]["file"][0]`},
		{"permission xor", withAllow(allow{"var_log_t": classes{"file": perms("read", "xor")}}), `spec.allow["var_log_t"]["file"][1]`},

		{"system name parenthesis", selinuxProfile("p", "ns", spec{Inherit: inherits{system("container" + injection)}}), "spec.inherit[0].name"},
		{"system name global", selinuxProfile("p", "ns", spec{Inherit: inherits{system(".container")}}), "spec.inherit[0].name"},
		{"system name keyword", selinuxProfile("p", "ns", spec{Inherit: inherits{system("container)\n(in container")}}), "spec.inherit[0].name"},
		{"profile name parenthesis", selinuxProfile("p", "ns", spec{Inherit: inherits{profileRef("foo" + injection)}}), "spec.inherit[0].name"},
		{"profile name dot", selinuxProfile("p", "ns", spec{Inherit: inherits{profileRef("foo.process")}}), "spec.inherit[0].name"},
		{"kind", selinuxProfile("p", "ns", spec{Inherit: inherits{{Kind: "Block)(in", Name: "x"}}}), "spec.inherit[0].kind"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := Translate(c.profile, Options{ProfileExists: existing("foo" + injection)})
			if out != nil {
				t.Errorf("output beside an error:\n%s", out)
			}
			wantInvalid(t, err, c.field)
		})
	}
}

// TestTranslateInheritErrors: inheritance that is not allowed, or cannot
// compile, is an *InvalidError saying why.
func TestTranslateInheritErrors(t *testing.T) {
	cases := map[string]struct {
		inherit  inherits
		options  Options
		field    string
		fragment string
	}{
		"system not allowed": {inherits{system("unexistent-system-ref")}, Options{},
			"spec.inherit[0].name", `system profile "unexistent-system-ref" is not in`},
		"allowed list replaces the default": {inherits{system("container")}, Options{AllowedSystemProfiles: []string{"net_container"}},
			"spec.inherit[0].name", `"container" is not in`},
		"implied container not allowed": {inherits{system("net_container")}, Options{AllowedSystemProfiles: []string{"net_container"}},
			"spec.inherit", "builds on the system profile \"container\""},
		"empty list, container not allowed": {nil, Options{AllowedSystemProfiles: []string{"net_container"}},
			"spec.inherit", "builds on the system profile \"container\""},
		"unknown profile": {inherits{profileRef("unexistent-ref")}, Options{ProfileExists: existing("other")},
			"spec.inherit[0].name", `SelinuxProfile "unexistent-ref" does not exist in namespace "ns"`},
		"no lookup means none exists": {inherits{profileRef("foo")}, Options{},
			"spec.inherit[0].name", "does not exist"},
		"itself": {inherits{system("container"), profileRef("p")}, Options{ProfileExists: existing("p")},
			"spec.inherit[1].name", "cannot inherit itself"},
		"two profiles": {inherits{profileRef("a"), profileRef("b")}, Options{ProfileExists: existing("a", "b")},
			"spec.inherit[1].name", "inherit one of them"},
		"upstream's old kind name": {inherits{{Kind: "SelinuxPolicy", Name: "foo"}}, Options{ProfileExists: existing("foo")},
			"spec.inherit[0].kind", `unknown kind "SelinuxPolicy"`},
		"too many": {make(inherits, 17), Options{},
			"spec.inherit", "at most 16"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Translate(selinuxProfile("p", "ns", spec{Inherit: c.inherit}), c.options)
			wantInvalid(t, err, c.field, c.fragment)
		})
	}
}

// TestTranslateLimits: the CRD's caps hold without the CRD.
func TestTranslateLimits(t *testing.T) {
	many := func(n int, prefix string) []string {
		s := make([]string, n)
		for i := range s {
			s[i] = fmt.Sprintf("%s%d", prefix, i)
		}
		return s
	}
	targets := allow{}
	for _, k := range many(129, "t") {
		targets[selinuxprofilev1alpha2.LabelKey(k)] = classes{"file": perms("read")}
	}
	cls := classes{}
	for _, k := range many(65, "c") {
		cls[selinuxprofilev1alpha2.ObjectClassKey(k)] = perms("read")
	}
	cases := map[string]struct {
		allow allow
		field string
	}{
		"targets":     {targets, "spec.allow"},
		"classes":     {allow{"t": cls}, `spec.allow["t"]`},
		"permissions": {allow{"t": classes{"file": perms(many(65, "p")...)}}, `spec.allow["t"]["file"]`},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Translate(selinuxProfile("p", "ns", spec{Allow: c.allow}), Options{})
			wantInvalid(t, err, c.field, "at most")
		})
	}
	// The caps themselves are allowed.
	atCap := allow{}
	for _, k := range many(128, "t") {
		atCap[selinuxprofilev1alpha2.LabelKey(k)] = classes{"file": perms(many(64, "p")...)}
	}
	if _, err := Translate(selinuxProfile("p", "ns", spec{Allow: atCap}), Options{}); err != nil {
		t.Errorf("128 targets with 64 permissions: %v", err)
	}
	if _, err := Translate(nil, Options{}); err == nil {
		t.Error("nil profile accepted")
	}
}
