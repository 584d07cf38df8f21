package selinuxcil

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	selinuxprofilev1alpha2 "github.com/securityprofiles/operator/apis/selinuxprofile/v1alpha2"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// golden compares got with testdata/<name>.golden, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from its golden file:\n--- got\n%s--- want\n%s", name, got, want)
	}
}

// perms builds a permission list.
func perms(p ...string) selinuxprofilev1alpha2.PermissionSet {
	s := make(selinuxprofilev1alpha2.PermissionSet, len(p))
	for i, v := range p {
		s[i] = selinuxprofilev1alpha2.Permission(v)
	}
	return s
}

func system(name string) selinuxprofilev1alpha2.PolicyRef {
	return selinuxprofilev1alpha2.PolicyRef{Kind: selinuxprofilev1alpha2.PolicyKindSystem, Name: name}
}

func profileRef(name string) selinuxprofilev1alpha2.PolicyRef {
	return selinuxprofilev1alpha2.PolicyRef{Kind: selinuxprofilev1alpha2.PolicyKindSelinuxProfile, Name: name}
}

func selinuxProfile(name, namespace string, spec selinuxprofilev1alpha2.SelinuxProfileSpec) *selinuxprofilev1alpha2.SelinuxProfile {
	return &selinuxprofilev1alpha2.SelinuxProfile{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec:       spec,
	}
}

func rawProfile(name, namespace, policy string) *selinuxprofilev1alpha2.RawSelinuxProfile {
	return &selinuxprofilev1alpha2.RawSelinuxProfile{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace},
		Spec:       selinuxprofilev1alpha2.RawSelinuxProfileSpec{Policy: policy},
	}
}

// existing returns a ProfileExists that knows the given profiles.
func existing(names ...string) func(string) (bool, error) {
	return func(name string) (bool, error) {
		for _, n := range names {
			if n == name {
				return true, nil
			}
		}
		return false, nil
	}
}

// wantInvalid fails unless err is an *InvalidError on field whose message
// contains every one of the fragments.
func wantInvalid(t *testing.T, err error, field string, fragments ...string) {
	t.Helper()
	var ie *InvalidError
	if !errors.As(err, &ie) {
		t.Fatalf("error %v (%T), want an *InvalidError on %s", err, err, field)
	}
	if ie.Field != field {
		t.Errorf("error %q is on field %q, want %q", ie.Error(), ie.Field, field)
	}
	for _, f := range fragments {
		if !strings.Contains(ie.Message, f) {
			t.Errorf("error %q does not say %q", ie.Error(), f)
		}
	}
}
