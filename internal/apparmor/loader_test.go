package apparmor

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// recordingParser is a fake apparmor_parser that saves its arguments (one
// per line) and stdin in dir and exits with status.
func recordingParser(t *testing.T, dir, status string) string {
	t.Helper()
	return fakeParser(t, `for a in "$@"; do printf '%s\n' "$a"; done >`+dir+`/args; cat >`+dir+`/stdin; echo 'parser says no' >&2; exit `+status)
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

func TestLoadRunsTheParserToReplace(t *testing.T) {
	rec, includes, sfs := t.TempDir(), t.TempDir(), t.TempDir()
	l := Loader{Parser: recordingParser(t, rec, "0"), Includes: includes, SecurityFS: sfs}
	if err := l.Load(context.Background(), manualPolicy); err != nil {
		t.Fatal(err)
	}
	args := readLines(t, filepath.Join(rec, "args"))
	for _, want := range []string{"--replace", "--skip-cache", "--config-file=/dev/null", "--base=" + includes,
		"--Include=" + includes, "--subdomainfs=" + filepath.Join(sfs, "apparmor")} {
		if !slices.Contains(args, want) {
			t.Errorf("args %q lack %s", args, want)
		}
	}
	// Loading compiles for the kernel's own features and must load.
	for _, unwanted := range []string{"--skip-kernel-load", "--names"} {
		if slices.Contains(args, unwanted) {
			t.Errorf("args %q contain %s", args, unwanted)
		}
	}
	if stdin, _ := os.ReadFile(filepath.Join(rec, "stdin")); string(stdin) != manualPolicy {
		t.Errorf("parser read %q on stdin", stdin)
	}
}

func TestLoadReportsTheParsersError(t *testing.T) {
	rec := t.TempDir()
	err := Loader{Parser: recordingParser(t, rec, "254"), Includes: t.TempDir()}.Load(context.Background(), manualPolicy)
	if err == nil || !strings.Contains(err.Error(), "parser says no") || !strings.Contains(err.Error(), "254") {
		t.Fatalf("got %v", err)
	}
	if invalidReason(err) != "" {
		t.Errorf("a failed load is not an invalid policy: %v", err)
	}
}

func TestLoadRefusesForbiddenIncludesWithoutRunningTheParser(t *testing.T) {
	rec := t.TempDir()
	err := Loader{Parser: recordingParser(t, rec, "0"), Includes: t.TempDir()}.Load(context.Background(),
		"profile p {\n  #include </etc/shadow>\n}\n")
	if invalidReason(err) != ReasonForbiddenInclude {
		t.Fatalf("got %v", err)
	}
	if _, err := os.Stat(filepath.Join(rec, "args")); err == nil {
		t.Error("the parser ran")
	}
}

// removeFile makes a fake securityfs whose .remove is a regular file.
func removeFile(t *testing.T) (securityFS, remove string) {
	t.Helper()
	securityFS = t.TempDir()
	remove = filepath.Join(securityFS, "apparmor", ".remove")
	if err := os.MkdirAll(filepath.Dir(remove), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(remove, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return securityFS, remove
}

func TestUnloadWritesTheNameToRemove(t *testing.T) {
	sfs, remove := removeFile(t)
	if err := (Loader{SecurityFS: sfs}).Unload(context.Background(), "test-profile"); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(remove); string(got) != "test-profile" {
		t.Fatalf(".remove got %q", got)
	}
}

func TestUnloadRefusesNamesItNeverLoads(t *testing.T) {
	sfs, remove := removeFile(t)
	for _, name := range []string{"", ":ns:test-profile", "test-profile//hat", "test-profile\nother", "Test", "/usr/bin/x"} {
		if err := (Loader{SecurityFS: sfs}).Unload(context.Background(), name); err == nil {
			t.Errorf("Unload(%q) succeeded", name)
		}
	}
	if got, _ := os.ReadFile(remove); len(got) != 0 {
		t.Fatalf(".remove got %q", got)
	}
}

func TestUnloadWithoutAppArmorFails(t *testing.T) {
	if err := (Loader{SecurityFS: t.TempDir()}).Unload(context.Background(), "test-profile"); err == nil {
		t.Fatal("Unload succeeded without an AppArmor securityfs")
	}
}
