package selinuxd

import (
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidPolicyName(t *testing.T) {
	for _, tc := range []struct {
		name  string
		valid bool
	}{
		{"nginx-secure_nginx-deploy", true},
		{"a", true},
		{"profile.v2_ns", true},
		{"0abc_ns", true},
		{strings.Repeat("a", MaxPolicyNameLen), true},
		{strings.Repeat("a", MaxPolicyNameLen+1), false},
		{"", false},
		{".", false},
		{"..", false},
		{".hidden", false},
		{"../etc", false},
		{"a/b", false},
		{"a b", false},
		{"a\x00b", false},
		{"a%2e", false},
		{"ünïcode", false},
		{"a\nb", false},
	} {
		err := ValidPolicyName(tc.name)
		if (err == nil) != tc.valid || (err != nil && !errors.Is(err, ErrInvalidName)) {
			t.Errorf("ValidPolicyName(%q) = %v; want valid %v", tc.name, err, tc.valid)
		}
	}
}

func FuzzValidPolicyName(f *testing.F) {
	for _, seed := range []string{"foo_ns", "..", "a/../b", ".x", "a.cil", "%2F"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if ValidPolicyName(name) != nil {
			return
		}
		// An accepted name is one plain path component under the policy
		// directory and needs no escaping in a URL path.
		file := name + cilSuffix
		if filepath.Base(file) != file || filepath.Clean("/d/"+file) != "/d/"+file || len(file) > 255 {
			t.Fatalf("ValidPolicyName accepted %q, which is not one plain file name", name)
		}
		if url.PathEscape(name) != name {
			t.Fatalf("ValidPolicyName accepted %q, which needs escaping in a URL", name)
		}
	})
}
