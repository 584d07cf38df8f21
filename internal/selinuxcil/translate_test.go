package selinuxcil

import (
	"bytes"
	"errors"
	"testing"

	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
)

type allow = selinuxprofilev1alpha2.Allow
type classes = selinuxprofilev1alpha2.ObjectClassPermissions
type spec = selinuxprofilev1alpha2.SelinuxProfileSpec
type inherits = []selinuxprofilev1alpha2.PolicyRef

// translateCases are the golden cases of Translate: testdata/<name>.golden.
// Every golden output is also compiled by TestCompileGoldens, so each case
// lives in its own block and the blocks they inherit (foo_ns) exist.
var translateCases = map[string]struct {
	profile *selinuxprofilev1alpha2.SelinuxProfile
	options Options
}{
	// The manual's example, byte for byte.
	"translate-nginx-secure": {profile: selinuxProfile("nginx-secure", "nginx-deploy", spec{
		Inherit: inherits{system("container")},
		Allow: allow{
			"@self":             classes{"tcp_socket": perms("listen")},
			"http_cache_port_t": classes{"tcp_socket": perms("name_bind")},
			"node_t":            classes{"tcp_socket": perms("node_bind")},
		},
	})},
	"translate-permissive": {profile: selinuxProfile("logger", "team-a", spec{
		Permissive: true,
		Allow:      allow{"var_log_t": classes{"file": perms("read", "open")}},
	})},
	// Several classes, unsorted and duplicated permissions, no inherit
	// list (the container template is implied). Other cases inherit it.
	"translate-sorted": {profile: selinuxProfile("foo", "ns", spec{
		Allow: allow{
			"var_log_t": classes{
				"sock_file": perms("write", "open", "append", "getattr", "read"),
				"file":      perms("write", "read", "read", "open", "getattr", "write"),
				"dir":       perms("search", "open", "search"),
			},
			"@self":  classes{"tcp_socket": perms("listen", "listen")},
			"proc_t": classes{"filesystem": perms("associate")},
		},
	})},
	"translate-inherit-profile": {
		profile: selinuxProfile("child", "ns", spec{
			Inherit: inherits{profileRef("foo")},
			Allow:   allow{"http_cache_port_t": classes{"tcp_socket": perms("name_bind")}},
		}),
		options: Options{ProfileExists: existing("foo")},
	},
	// container is listed, but foo_ns already carries it.
	"translate-inherit-profile-and-templates": {
		profile: selinuxProfile("grandchild", "ns", spec{
			Inherit: inherits{system("container"), profileRef("foo"), system("net_container"), profileRef("foo")},
			Allow:   allow{"var_run_t": classes{"sock_file": perms("write")}},
		}),
		options: Options{AllowedSystemProfiles: []string{"container", "net_container"}, ProfileExists: existing("foo")},
	},
	// Another profile's type as a target.
	"translate-other-profile-type": {profile: selinuxProfile("client", "ns", spec{
		Inherit: inherits{system("container")},
		Allow:   allow{"foo_ns.process": classes{"unix_stream_socket": perms("connectto")}},
	})},
	// net_container alone needs the implied container to compile.
	"translate-net-container": {
		profile: selinuxProfile("net-container-policy", "ns", spec{
			Inherit: inherits{{Name: "net_container"}},
			Allow:   allow{"var_run_t": classes{"sock_file": perms("write")}},
		}),
		options: Options{AllowedSystemProfiles: []string{"net_container", "container"}},
	},
}

func TestTranslateGolden(t *testing.T) {
	for name, c := range translateCases {
		t.Run(name, func(t *testing.T) {
			got, err := Translate(c.profile, c.options)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, name, got)
		})
	}
}

// TestTranslateManualExample pins the manual's text here too, so that a
// regenerated golden file cannot drift from the manual unnoticed.
func TestTranslateManualExample(t *testing.T) {
	const manual = "(block nginx-secure_nginx-deploy\n" +
		"(blockinherit container)\n" +
		"(allow process nginx-secure_nginx-deploy.process ( tcp_socket ( listen )))\n" +
		"(allow process http_cache_port_t ( tcp_socket ( name_bind )))\n" +
		"(allow process node_t ( tcp_socket ( node_bind )))\n" +
		")\n"
	c := translateCases["translate-nginx-secure"]
	got, err := Translate(c.profile, c.options)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != manual {
		t.Errorf("got\n%s\nwant the manual's\n%s", got, manual)
	}
	if u := Usage("nginx-secure", "nginx-deploy"); u != "nginx-secure_nginx-deploy.process" {
		t.Errorf("Usage = %q", u)
	}
	if n := PolicyName("nginx-secure", "nginx-deploy"); n != "nginx-secure_nginx-deploy" {
		t.Errorf("PolicyName = %q", n)
	}
}

// TestTranslateDeterministic translates a profile with many map entries
// repeatedly: Go randomises map order, the output must not follow it.
func TestTranslateDeterministic(t *testing.T) {
	a := allow{}
	for _, k := range []string{"z_t", "a_t", "m_t", "@self", "b.x", "0_t", "Q_t"} {
		a[selinuxprofilev1alpha2.LabelKey(k)] = classes{"file": perms("read", "write"), "dir": perms("search"), "sock_file": perms("open")}
	}
	p := selinuxProfile("det", "ns", spec{Allow: a, Inherit: inherits{system("container"), system("b"), system("a")}})
	o := Options{AllowedSystemProfiles: []string{"container", "a", "b"}}
	first, err := Translate(p, o)
	if err != nil {
		t.Fatal(err)
	}
	for range 50 {
		again, err := Translate(p, o)
		if err != nil || !bytes.Equal(again, first) {
			t.Fatalf("second translation differs (%v):\n%s\nvs\n%s", err, again, first)
		}
	}
	// Byte order of the keys as written; inherits in spec order after container.
	want := "(block det_ns\n(blockinherit container)\n(blockinherit b)\n(blockinherit a)\n" +
		"(allow process 0_t ( dir ( search )))\n"
	if !bytes.HasPrefix(first, []byte(want)) {
		t.Errorf("got\n%s\nwant it to start with\n%s", first, want)
	}
}

func TestTranslateInherit(t *testing.T) {
	rule := allow{"node_t": classes{"tcp_socket": perms("node_bind")}}
	cases := map[string]struct {
		inherit inherits
		options Options
		want    string // the blockinherit lines
	}{
		"empty list means container": {nil, Options{}, "(blockinherit container)\n"},
		"empty kind means System":    {inherits{{Name: "container"}}, Options{}, "(blockinherit container)\n"},
		"duplicates once":            {inherits{system("container"), {Name: "container"}}, Options{}, "(blockinherit container)\n"},
		"container first": {inherits{system("net_container"), system("container")},
			Options{AllowedSystemProfiles: []string{"container", "net_container"}},
			"(blockinherit container)\n(blockinherit net_container)\n"},
		"profile without container": {inherits{profileRef("base")},
			Options{ProfileExists: existing("base")}, "(blockinherit base_ns)\n"},
		"profile in spec order": {inherits{system("net_container"), profileRef("base"), system("container")},
			Options{AllowedSystemProfiles: []string{"container", "net_container"}, ProfileExists: existing("base")},
			"(blockinherit net_container)\n(blockinherit base_ns)\n"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := Translate(selinuxProfile("p", "ns", spec{Inherit: c.inherit, Allow: rule}), c.options)
			if err != nil {
				t.Fatal(err)
			}
			want := "(block p_ns\n" + c.want + "(allow process node_t ( tcp_socket ( node_bind )))\n)\n"
			if string(got) != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestTranslateProfileExistsError: a failed lookup is not the object's
// fault; the caller gets the error itself and retries.
func TestTranslateProfileExistsError(t *testing.T) {
	lookupFailed := errors.New("cache not synced")
	p := selinuxProfile("p", "ns", spec{Inherit: inherits{profileRef("base")}})
	_, err := Translate(p, Options{ProfileExists: func(string) (bool, error) { return false, lookupFailed }})
	if err != lookupFailed {
		t.Fatalf("error %v, want the lookup's error unchanged", err)
	}
	var ie *InvalidError
	if errors.As(err, &ie) {
		t.Fatalf("a lookup error must not be an *InvalidError")
	}
}

// TestTranslateChecksBeforeLookup: bad input is reported without a lookup.
func TestTranslateChecksBeforeLookup(t *testing.T) {
	p := selinuxProfile("p", "ns", spec{
		Inherit: inherits{profileRef("base"), system("not-allowed")},
	})
	_, err := Translate(p, Options{ProfileExists: func(string) (bool, error) {
		t.Error("ProfileExists called for a profile that is invalid anyway")
		return true, nil
	}})
	wantInvalid(t, err, "spec.inherit[1].name", "not-allowed", "allowedSystemProfiles")
}
