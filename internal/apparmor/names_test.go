package apparmor

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckNames(t *testing.T) {
	for _, tc := range []struct {
		name, out, reason string
	}{
		{"the profile", "test-profile\n", ""},
		{"with hats and children", "test-profile\ntest-profile//hat\ntest-profile//child//grandchild\n", ""},
		{"nothing", "", ReasonNameMismatch},
		{"another name", "other\n", ReasonNameMismatch},
		{"a longer name", "test-profile-2\n", ReasonNameMismatch},
		{"a child of a longer name", "test-profilex//y\n", ReasonNameMismatch},
		{"namespaced", ":ns://test-profile\n", ReasonNameMismatch},
		{"only a child", "test-profile//hat\n", ReasonNameMismatch},
		{"a second profile", "test-profile\nother\n", ReasonTooManyProfiles},
		{"a second profile with a longer name", "test-profile\ntest-profile-2\n", ReasonTooManyProfiles},
		{"an attached path profile", "/usr/bin/x\ntest-profile\n", ReasonTooManyProfiles},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkNames(tc.out, "test-profile")
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var inv *InvalidError
			if !errors.As(err, &inv) || inv.Reason != tc.reason {
				t.Fatalf("got %v, want a %s InvalidError", err, tc.reason)
			}
			if !strings.Contains(inv.Message, `"test-profile"`) {
				t.Errorf("message %q does not name the expected profile", inv.Message)
			}
		})
	}
}

func TestListNamesIsBounded(t *testing.T) {
	names := strings.Split("a b c d e f g", " ")
	if got, want := listNames(names), `"a", "b", "c", "d", "e" and 2 more`; got != want {
		t.Fatalf("listNames = %s, want %s", got, want)
	}
}
