package apparmor

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	apparmorprofilev1alpha1 "github.com/securityprofiles/operator/apis/apparmorprofile/v1alpha1"
	"github.com/securityprofiles/operator/test/require"
	"github.com/securityprofiles/operator/test/upstream"
)

// manualPolicy is the user manual's example profile.
const manualPolicy = `#include <tunables/global>

profile test-profile flags=(attach_disconnected) {
  #include <abstractions/base>

  file,

  # Deny all file writes.
  deny /** w,
}
`

// requireParser needs apparmor_parser and the pinned feature ABI of
// Debian's apparmor package.
func requireParser(t *testing.T) {
	t.Helper()
	require.Command(t, "apparmor_parser")
	if _, err := os.Stat(DefaultFeatures); err != nil {
		if require.InCI() {
			t.Fatalf("CI=true but %s is missing: %v", DefaultFeatures, err)
		}
		t.Skipf("skipping: %v", err)
	}
}

func invalidReason(err error) string {
	var inv *InvalidError
	if errors.As(err, &inv) {
		return inv.Reason
	}
	return ""
}

func TestValidateWithTheRealParser(t *testing.T) {
	requireParser(t)
	for _, tc := range []struct {
		name, policy, reason string
		// inMessage must appear in an InvalidError's message.
		inMessage []string
	}{
		{name: "manual example", policy: manualPolicy},
		{name: "quoted name, hat and child profile", policy: "profile \"test-profile\" {\n  file,\n  ^hat {\n    file,\n  }\n" +
			"  profile child {\n  }\n}\n"},
		{name: "syntax error", policy: "profile test-profile {\n  /bin/** rw\n}\n", reason: ReasonSyntaxError,
			inMessage: []string{"line 3", "syntax error"}},
		// --names does not compile patterns: this is caught by the
		// second, compiling run.
		{name: "broken pattern", policy: "profile test-profile {\n  /foo[ r,\n}\n", reason: ReasonSyntaxError,
			inMessage: []string{"/foo["}},
		{name: "name mismatch", policy: strings.Replace(manualPolicy, "profile test-profile", "profile other-profile", 1),
			reason: ReasonNameMismatch, inMessage: []string{`"test-profile"`, `"other-profile"`}},
		{name: "second profile", policy: manualPolicy + "profile other {\n}\n", reason: ReasonTooManyProfiles,
			inMessage: []string{`"other"`}},
		{name: "NUL byte", policy: "profile test-profile {}\x00", reason: ReasonSyntaxError, inMessage: []string{"NUL byte"}},
		{name: "too large", policy: strings.Repeat("#", MaxPolicyBytes+1), reason: ReasonTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Validator{}.Validate(context.Background(), tc.policy, "test-profile")
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if got := invalidReason(err); got != tc.reason {
				t.Fatalf("got %v (reason %q), want reason %s", err, got, tc.reason)
			}
			if len(err.Error()) > messageLimit+512 {
				t.Errorf("message of %d bytes", len(err.Error()))
			}
			for _, s := range tc.inMessage {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("message %q lacks %q", err.Error(), s)
				}
			}
		})
	}
}

// TestValidateCountsProfilesFromTheIncludeTree: an included file that
// declares a profile adds to what the policy loads.
func TestValidateCountsProfilesFromTheIncludeTree(t *testing.T) {
	requireParser(t)
	includes := t.TempDir()
	if err := os.WriteFile(filepath.Join(includes, "other"), []byte("profile other {\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	v := Validator{Includes: includes}
	if err := v.Validate(context.Background(), "profile test-profile {\n}\n", "test-profile"); err != nil {
		t.Fatalf("refused: %v", err)
	}
	err := v.Validate(context.Background(), "profile test-profile {\n}\n#include <other>\n", "test-profile")
	if invalidReason(err) != ReasonTooManyProfiles {
		t.Fatalf("got %v, want %s", err, ReasonTooManyProfiles)
	}
}

// TestValidateNeverReadsOutsideTheIncludeTree includes a secret by every
// path that escapes the tree; none may reach the parser, so the secret
// never shows in a message.
func TestValidateNeverReadsOutsideTheIncludeTree(t *testing.T) {
	requireParser(t)
	secret := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(secret, []byte("SECRET-TOKEN-VALUE\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	up := strings.Repeat("../", 10) + strings.TrimPrefix(secret, "/")
	for _, directive := range []string{`#include "` + secret + `"`, "#include <" + secret + ">", "#include <" + up + ">",
		"include " + secret, "#include if exists <" + up + ">"} {
		policy := "profile test-profile {\n  " + directive + "\n}\n"
		err := Validator{}.Validate(context.Background(), policy, "test-profile")
		if invalidReason(err) != ReasonForbiddenInclude {
			t.Errorf("%s: got %v, want %s", directive, err, ReasonForbiddenInclude)
		}
		if err != nil && strings.Contains(err.Error(), "SECRET") {
			t.Errorf("%s: message shows the secret: %v", directive, err)
		}
	}
}

// TestValidateUpstreamExamples validates the upstream operator's v1alpha1
// AppArmorProfile examples (beside the repository, never copied into it).
func TestValidateUpstreamExamples(t *testing.T) {
	requireParser(t)
	files := upstream.Examples(t, "AppArmorProfile-v0.7.1-*.yaml")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var p apparmorprofilev1alpha1.AppArmorProfile
		if err := yaml.Unmarshal(data, &p); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := (Validator{}).Validate(context.Background(), p.Spec.Policy, p.Name); err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
		}
	}
}

// TestValidateEnvironmentErrorsAreNotInvalid: when the check cannot run,
// the policy must not be reported invalid.
func TestValidateEnvironmentErrorsAreNotInvalid(t *testing.T) {
	requireParser(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		name      string
		v         Validator
		inMessage string
	}{
		{"parser missing", Validator{Parser: filepath.Join(dir, "no-parser")}, "no-parser"},
		{"features missing", Validator{Features: filepath.Join(dir, "no-features")}, "no-features"},
		{"includes missing", Validator{Includes: filepath.Join(dir, "no-includes")}, "no-includes"},
		{"parser hangs", Validator{Parser: fakeParser(t, "sleep 60"), Timeout: 100e6}, "did not finish within 100ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.v.Validate(context.Background(), manualPolicy, "test-profile")
			if err == nil || invalidReason(err) != "" {
				t.Fatalf("got %v, want an error that is not an InvalidError", err)
			}
			if !strings.Contains(err.Error(), tc.inMessage) {
				t.Errorf("message %q lacks %q", err.Error(), tc.inMessage)
			}
		})
	}
}

// TestValidateBoundsParserOutput: a parser flooding stderr gives a message
// of at most messageLimit bytes without control characters.
func TestValidateBoundsParserOutput(t *testing.T) {
	parser := fakeParser(t, `i=0; while [ $i -lt 2000 ]; do printf 'error\033[31m line %d\n' $i >&2; i=$((i+1)); done; exit 1`)
	err := Validator{Parser: parser, Features: "/dev/null", Includes: t.TempDir()}.Validate(context.Background(),
		"profile test-profile {}\n", "test-profile")
	if invalidReason(err) != ReasonSyntaxError {
		t.Fatalf("got %v, want %s", err, ReasonSyntaxError)
	}
	msg := err.Error()
	if len(msg) > messageLimit || !strings.HasSuffix(msg, "...") || strings.Contains(msg, "\033") {
		t.Fatalf("message of %d bytes: %q", len(msg), msg)
	}
}

// fakeParser writes a shell script standing in for apparmor_parser.
func fakeParser(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "apparmor_parser")
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}
