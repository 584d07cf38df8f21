package selinuxcil

import (
	"os"
	"regexp"
	"testing"

	"sigs.k8s.io/yaml"

	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
	"github.com/securityprofiles/operator/test/upstream"
)

// The upstream operator's seed-era expectations (../shared/upstream, read
// in place, never copied here). Two deliberate differences:
//   - inherit-other-profile is upstream bug OCPBUGS-17164 (it inherited
//     "<other>_<ns>.process" and container beside it); we produce what
//     upstream's fix produces, case inherit-other-profile-fixed.
//   - v0.7.1's code named the kind SelinuxPolicy; the CRD, upstream's and
//     ours, only admits SelinuxProfile, so the cases are read with that.

type upstreamCase struct {
	ID    string `json:"id"`
	Input struct {
		Name      string                                    `json:"name"`
		Namespace string                                    `json:"namespace"`
		Spec      selinuxprofilev1alpha2.SelinuxProfileSpec `json:"spec"`
	} `json:"input"`
	InheritSys  []string `json:"inheritsys"`
	InheritObjs []struct {
		Name string `json:"name"`
	} `json:"inheritobjs"`
	Existing    []string `json:"existing"`
	WantMatches []string `json:"upstream_want_matches"`
	DoNotMatch  []string `json:"upstream_do_not_match"`
	Expected    string   `json:"derived_expected_cil"`
	WantError   bool     `json:"want_error"`
}

func readUpstream(t *testing.T, into any, parts ...string) {
	t.Helper()
	data, err := os.ReadFile(upstream.GoldenFile(t, parts...))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, into); err != nil {
		t.Fatal(err)
	}
}

// profile returns the case's profile, with upstream's old kind name read
// as ours.
func (c upstreamCase) profile() *selinuxprofilev1alpha2.SelinuxProfile {
	p := selinuxProfile(c.Input.Name, c.Input.Namespace, c.Input.Spec)
	for i, ref := range p.Spec.Inherit {
		if ref.Kind == "SelinuxPolicy" {
			p.Spec.Inherit[i].Kind = selinuxprofilev1alpha2.PolicyKindSelinuxProfile
		}
	}
	return p
}

func TestUpstreamObject2CIL(t *testing.T) {
	var cases []upstreamCase
	readUpstream(t, &cases, "selinux-cil", "object2cil-v0.7.1.yaml")
	byID := map[string]upstreamCase{}
	for _, c := range cases {
		byID[c.ID] = c
	}
	if len(cases) != 6 {
		t.Fatalf("read %d upstream cases, want 6", len(cases))
	}
	for _, c := range cases {
		t.Run(c.ID, func(t *testing.T) {
			var objs []string
			for _, o := range c.InheritObjs {
				objs = append(objs, o.Name)
			}
			got, err := Translate(c.profile(), Options{AllowedSystemProfiles: c.InheritSys, ProfileExists: existing(objs...)})
			if err != nil {
				t.Fatal(err)
			}
			want, matches, notMatches := c.Expected, c.WantMatches, c.DoNotMatch
			if c.ID == "inherit-other-profile" {
				fixed := byID["inherit-other-profile-fixed"]
				want, matches, notMatches = fixed.Expected, fixed.WantMatches, fixed.DoNotMatch
				if string(got) == c.Expected {
					t.Error("reproduces upstream bug OCPBUGS-17164")
				}
			}
			if string(got) != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
			for _, re := range matches {
				if !regexp.MustCompile(re).Match(got) {
					t.Errorf("does not match upstream's %s", re)
				}
			}
			for _, re := range notMatches {
				if regexp.MustCompile(re).Match(got) {
					t.Errorf("matches upstream's forbidden %s", re)
				}
			}
		})
	}
}

func TestUpstreamValidation(t *testing.T) {
	var cases []upstreamCase
	readUpstream(t, &cases, "selinux-cil", "validation-v0.7.1.yaml")
	if len(cases) != 8 {
		t.Fatalf("read %d upstream cases, want 8", len(cases))
	}
	for _, c := range cases {
		t.Run(c.ID, func(t *testing.T) {
			exists := func(name string) (bool, error) {
				for _, e := range c.Existing {
					if e == "SelinuxProfile "+c.Input.Namespace+"/"+name {
						return true, nil
					}
				}
				return false, nil
			}
			_, err := Translate(c.profile(), Options{ProfileExists: exists})
			if !c.WantError {
				if err != nil {
					t.Fatalf("upstream accepts it; we say %v", err)
				}
				return
			}
			if _, ok := err.(*InvalidError); !ok {
				t.Fatalf("error %v (%T), want an *InvalidError", err, err)
			}
		})
	}
}

// TestUpstreamCorpus translates the upstream example objects and compares
// with the CIL derived from upstream's format. Every System inherit is
// allowed, as the derivation assumes.
func TestUpstreamCorpus(t *testing.T) {
	var corpus struct {
		SelinuxProfiles []struct {
			File      string `json:"corpus_file"`
			Namespace string `json:"namespace_assumed"`
			Usage     string `json:"usage"`
			Expected  string `json:"derived_expected_cil"`
		} `json:"selinuxprofiles"`
		RawSelinuxProfiles []struct {
			File      string `json:"corpus_file"`
			Namespace string `json:"namespace_assumed"`
			Expected  string `json:"derived_expected_cil"`
		} `json:"rawselinuxprofiles"`
	}
	readUpstream(t, &corpus, "selinux-cil", "corpus-derived-v0.7.1.yaml")
	if len(corpus.SelinuxProfiles) == 0 || len(corpus.RawSelinuxProfiles) == 0 {
		t.Fatal("no corpus cases")
	}
	for _, c := range corpus.SelinuxProfiles {
		t.Run(c.File, func(t *testing.T) {
			var p selinuxprofilev1alpha2.SelinuxProfile
			readUpstream(t, &p, "..", "examples", c.File)
			p.Namespace = c.Namespace
			got, err := Translate(&p, Options{AllowedSystemProfiles: []string{"container", "net_container"}})
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.Expected {
				t.Errorf("got\n%s\nwant\n%s", got, c.Expected)
			}
			if u := Usage(p.Name, p.Namespace); u != c.Usage {
				t.Errorf("usage %q, want %q", u, c.Usage)
			}
		})
	}
	for _, c := range corpus.RawSelinuxProfiles {
		t.Run(c.File, func(t *testing.T) {
			var p selinuxprofilev1alpha2.RawSelinuxProfile
			readUpstream(t, &p, "..", "examples", c.File)
			p.Namespace = c.Namespace
			got, err := Raw(&p)
			if err != nil {
				t.Fatal(err)
			}
			// Upstream wrote no final newline; every file we write ends in one.
			if string(got) != c.Expected+"\n" {
				t.Errorf("got\n%q\nwant\n%q", got, c.Expected+"\n")
			}
		})
	}
}
